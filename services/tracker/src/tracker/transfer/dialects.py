"""What other trackers call things: column names per tool, and the values they use.

One alias table serves every dialect (a header means the same field wherever it
appears); the signatures only decide which tool a file came from, for reporting and
for the few values a tool spells its own way (JobSync's FT/PT/C job types, its
"archived" stage).
"""

from __future__ import annotations

import re

# The fields a CSV column can feed. ``ignore`` drops a column on purpose.
IMPORT_FIELDS = (
    "title",
    "company",
    "status",
    "status_changed_at",
    "url",
    "location",
    "workplace_type",
    "employment_type",
    "salary",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_period",
    "source",
    "description",
    "date_posted",
    "applied",
    "applied_at",
    "first_response_at",
    "follow_up_at",
    "excitement",
    "tags",
    "archived",
    "match_score",
    "created_at",
    "notes",
    "ignore",
)

# Header (lower case, letters and digits only) → field; one table serves every dialect.
HEADER_ALIASES: dict[str, str] = {
    **{name.replace("_", ""): name for name in IMPORT_FIELDS if name != "ignore"},
    # Huntr
    "companyname": "company",
    "listname": "status",
    "lastmovedat": "status_changed_at",
    "joburl": "url",
    "createdat": "created_at",
    # JobSync
    "jobtitle": "title",
    "jobtype": "employment_type",
    "jobsource": "source",
    "applieddate": "applied_at",
    # Teal and hand-made sheets
    "jobposition": "title",
    "position": "title",
    "role": "title",
    "employer": "company",
    "organization": "company",
    "stage": "status",
    "datesaved": "created_at",
    "dateadded": "created_at",
    "dateapplied": "applied_at",
    "dateposted": "date_posted",
    "minsalary": "salary_min",
    "maxsalary": "salary_max",
    "salaryrange": "salary",
    "compensation": "salary",
    "currency": "salary_currency",
    "link": "url",
    "joblink": "url",
    "postingurl": "url",
    "jobdescription": "description",
    "followup": "follow_up_at",
    "followupdate": "follow_up_at",
    "note": "notes",
    "remote": "workplace_type",
    "worktype": "workplace_type",
    "employmenttype": "employment_type",
    "locationtype": "workplace_type",
    "tag": "tags",
    "labels": "tags",
    "id": "ignore",
    "version": "ignore",
    "updatedat": "ignore",
}

SIGNATURES: dict[str, tuple[set[str], int]] = {
    "huntr": ({"listname", "companyname", "lastmovedat", "boardname"}, 2),
    "jobsync": ({"jobtitle", "jobsource", "applieddate", "workplacetype", "jobtype"}, 2),
    "teal": ({"jobposition", "datesaved", "dateapplied", "minsalary", "followup"}, 1),
}

WORKPLACE = {
    "remote": "remote",
    "fully remote": "remote",
    "wfh": "remote",
    "hybrid": "hybrid",
    "onsite": "onsite",
    "on site": "onsite",
    "in office": "onsite",
    "office": "onsite",
    "in person": "onsite",
}
EMPLOYMENT = {
    "ft": "full_time",
    "full time": "full_time",
    "fulltime": "full_time",
    "permanent": "full_time",
    "pt": "part_time",
    "part time": "part_time",
    "c": "contract",
    "contract": "contract",
    "contractor": "contract",
    "freelance": "contract",
    "intern": "internship",
    "internship": "internship",
    "temp": "temporary",
    "temporary": "temporary",
}


def header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.lower())
