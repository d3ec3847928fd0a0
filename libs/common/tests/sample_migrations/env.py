import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from sample_app import Base

from jobhunt_common.migrations import run_env

run_env(Base.metadata)
