"""The operation forms of the pair workbench, one module per operation: each form owns its
inputs, its output and its messages, and reads the private key (when it needs one) from the
holder the screen gives it. The screen (``tui/screens/workbench.py``) keeps the holder, the
KMS Decrypt of the private key and the wiring between forms.

- ``private_key``: the encryption context for KMS Decrypt and what the holder holds
- ``sign`` / ``verify``: signatures (RAW or DIGEST; SM2 distinguishing ID)
- ``encrypt``: encrypt with the public key, decrypt with the private key
- ``kem``: ML-KEM encapsulate / decapsulate; ``seal``: ML-KEM + AES-GCM seal / open
- ``agreement``: ECDH with a peer's public key (ECC pairs)
"""
