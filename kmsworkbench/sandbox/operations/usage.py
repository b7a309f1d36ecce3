"""GetKeyLastUsage: the last successful cryptographic operation on a key (core.usage)."""

from __future__ import annotations

from kmsworkbench.sandbox.core import Params, Request, Response, operation, resolve_key, tx
from kmsworkbench.sandbox.core.usage import TRACKING_META


@operation("GetKeyLastUsage")
def get_key_last_usage(r: Request, p: Params) -> Response:
    def work(write: bool) -> Response:
        # "Alias names are not supported" (model).
        key = resolve_key(r, p["KeyId"], write, allow_alias=False)
        since = r.store.get_meta(TRACKING_META)
        # "The date from which KMS began recording ... or the date the KMS key was created,
        # whichever is later" (model).
        tracking = max(key.created, float(since)) if since else key.created
        last = r.store.get_last_usage(r.region, key.key_id)
        usage: Response = {}
        if last is not None:
            operation_name, used, request_id, event_id = last
            usage = {"Operation": operation_name, "Timestamp": used}
            if request_id:
                usage["KmsRequestId"] = request_id
            if event_id:
                usage["CloudTrailEventId"] = event_id
        return {
            "KeyId": r.key_arn(key.key_id),
            "KeyLastUsage": usage,
            "TrackingStartDate": tracking,
            "KeyCreationDate": key.created,
        }

    return tx(r, work)
