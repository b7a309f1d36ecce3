"""What each key spec can do, as AWS allows it, and the other fixed tables of KMS."""

from __future__ import annotations

RSA_SIGNING = [
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
]
RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]

# Key spec -> {key usage -> algorithms}. This is "as AWS allows" (Developer Guide, key spec
# reference): RSA for encryption or signing; NIST curves for signing or key agreement;
# secp256k1 and Ed25519 for signing only; SM2 for all three (China Regions only); HMAC keys
# for MACs; ML-KEM for encapsulation.
KEY_SPECS: dict[str, dict[str, list[str]]] = {
    "SYMMETRIC_DEFAULT": {"ENCRYPT_DECRYPT": ["SYMMETRIC_DEFAULT"]},
    **{
        f"RSA_{bits}": {"ENCRYPT_DECRYPT": RSA_ENCRYPTION, "SIGN_VERIFY": RSA_SIGNING}
        for bits in (2048, 3072, 4096)
    },
    "ECC_NIST_P256": {"SIGN_VERIFY": ["ECDSA_SHA_256"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_NIST_P384": {"SIGN_VERIFY": ["ECDSA_SHA_384"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_NIST_P521": {"SIGN_VERIFY": ["ECDSA_SHA_512"], "KEY_AGREEMENT": ["ECDH"]},
    "ECC_SECG_P256K1": {"SIGN_VERIFY": ["ECDSA_SHA_256"]},
    # AWS also offers ED25519_PH_SHA_512 (Ed25519ph) for these keys; pyca/cryptography, and
    # so kmsworkbench.keypairs, has no Ed25519ph, so the sandbox advertises only what it can do.
    "ECC_NIST_EDWARDS25519": {"SIGN_VERIFY": ["ED25519_SHA_512"]},
    "SM2": {"ENCRYPT_DECRYPT": ["SM2PKE"], "SIGN_VERIFY": ["SM2DSA"], "KEY_AGREEMENT": ["ECDH"]},
    **{f"HMAC_{n}": {"GENERATE_VERIFY_MAC": [f"HMAC_SHA_{n}"]} for n in (224, 256, 384, 512)},
    **{f"ML_KEM_{n}": {"ENCAPSULATE_DECAPSULATE": ["ML_KEM"]} for n in (512, 768, 1024)},
    **{f"ML_DSA_{n}": {"SIGN_VERIFY": ["ML_DSA_SHAKE_256"]} for n in (44, 65, 87)},
}
# "The ML-KEM key specs are not available in China Regions" (CreateKey, model docs).
NOT_IN_CHINA_KEY_SPECS = frozenset({"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"})
ML_DSA_SPECS = frozenset({"ML_DSA_44", "ML_DSA_65", "ML_DSA_87"})
EXTERNAL_MU_BYTES = 64  # "the length of the Message value must be 64 bytes" (Sign docs)
HMAC_SIZES = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
USAGE_FIELDS = {
    "ENCRYPT_DECRYPT": "EncryptionAlgorithms",
    "SIGN_VERIFY": "SigningAlgorithms",
    "GENERATE_VERIFY_MAC": "MacAlgorithms",
    "KEY_AGREEMENT": "KeyAgreementAlgorithms",
    "ENCAPSULATE_DECAPSULATE": "EncapsulationAlgorithms",
}
# CustomerMasterKeySpec (deprecated) only has these values; newer specs leave it out.
LEGACY_SPECS = frozenset(
    {
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
        "SM2",
    }
)
DIGEST_SIZES = {
    "RSASSA_PSS_SHA_256": 32,
    "RSASSA_PSS_SHA_384": 48,
    "RSASSA_PSS_SHA_512": 64,
    "RSASSA_PKCS1_V1_5_SHA_256": 32,
    "RSASSA_PKCS1_V1_5_SHA_384": 48,
    "RSASSA_PKCS1_V1_5_SHA_512": 64,
    "ECDSA_SHA_256": 32,
    "ECDSA_SHA_384": 48,
    "ECDSA_SHA_512": 64,
    "SM2DSA": 32,
    "ED25519_PH_SHA_512": 64,
}
# The largest plaintext each asymmetric encryption algorithm takes: OAEP allows
# k - 2*hLen - 2 bytes (RFC 8017); AWS documents 1024 bytes for SM2PKE.
OAEP_HASH = {"RSAES_OAEP_SHA_1": 20, "RSAES_OAEP_SHA_256": 32}
SM2PKE_MAX = 1024

GRANT_OPERATIONS_BY_USAGE = {
    "ENCRYPT_DECRYPT": {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    },
    "SIGN_VERIFY": {"Sign", "Verify"},
    "GENERATE_VERIFY_MAC": {"GenerateMac", "VerifyMac"},
    "KEY_AGREEMENT": {"DeriveSharedSecret"},
    "ENCAPSULATE_DECAPSULATE": {"Encapsulate", "Decapsulate"},  # both in GrantOperation
}
GRANT_OPERATIONS_ANY_KEY = {"CreateGrant", "RetireGrant", "DescribeKey", "GetPublicKey"}
MAX_TAGS = 50  # tags per KMS key (KMS quotas)

# The predefined AWS aliases a real account shows. alias/aws/ebs, alias/aws/s3 and
# alias/aws/secretsmanager point at AWS managed keys in a fresh sandbox (as if those
# services had been used); the rest have no TargetKeyId until first used.
AWS_MANAGED_ALIASES: dict[str, str] = {
    "acm": "Default key that protects my ACM private keys when no other key is defined",
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "elasticfilesystem": "Default key that protects my EFS file systems when no other key is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "secretsmanager": "Default key that protects my Secrets Manager data when no other key is defined",
    "sns": "Default key that protects my SNS data when no other key is defined",
    "ssm": "Default key that protects my SSM Parameter Store data when no other key is defined",
}
AWS_MANAGED_SEEDED = ("ebs", "s3", "secretsmanager")

RESERVED_ALIAS_PREFIX = "alias/aws/"


def algorithms_of(key_spec: str, key_usage: str) -> list[str]:
    """The algorithms a key of ``key_spec`` and ``key_usage`` offers."""
    return KEY_SPECS[key_spec].get(key_usage, [])
