from jobhunt_common.migrations import run_env
from sheets_sync import models  # noqa: F401  (registers every table on Base.metadata)
from sheets_sync.db import Base

run_env(Base.metadata)
