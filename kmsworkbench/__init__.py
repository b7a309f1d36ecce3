"""kmsworkbench: a terminal workbench for AWS KMS data key pairs."""

__version__ = "0.1.0"
