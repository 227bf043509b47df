"""d1_targeting: which businesses LeadFactory targets: universes, geography, buckets, quotas, batches."""

from d1_targeting.errors import GeoValidationError, ReferenceDataError, TargetingError
from d1_targeting.us_states import ALL_CODES, STATES, normalize_state
from d1_targeting.zip_codes import check_zip_in_state, load_zip3_table, normalize_zip, state_for_zip, zip3_table

__all__ = [
    "ALL_CODES",
    "STATES",
    "GeoValidationError",
    "ReferenceDataError",
    "TargetingError",
    "check_zip_in_state",
    "load_zip3_table",
    "normalize_state",
    "normalize_zip",
    "state_for_zip",
    "zip3_table",
]
