"""Certificate texts written by hand in the wordings and layouts common continuing-education
certificates use (names, numbers and organizations invented), each with its truth:
(title, provider, date completed, CECs, ACSM or other). Used by the parser's tests and by
bench/bench_reading.py beside the generated corpus."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.tracker import Organization

OTHER = Organization.OTHER

HANDWRITTEN: list[tuple[str, tuple[object, ...]]] = [
    (
        """Certificate of Completion
This is to certify that
Alex Rivera
has successfully completed the online course
Corrective Exercise for the Shoulder
Provider: Pinnacle Fitness Education, LLC
ACSM Approved Provider #712345
Course Date: 09/22/2025
Approved for 4.0 CECs
Instructor: Dr. K. Lee""",
        (
            "Corrective Exercise for the Shoulder",
            "Pinnacle Fitness Education, LLC",
            date(2025, 9, 22),
            Decimal(4),
            OTHER,
        ),
    ),
    (
        """CERTIFICATE OF ACHIEVEMENT
Awarded to Sam Park
for completing
Foundations of Exercise Programming
Offered by Northside Health Institute
Date completed: 5 June 2025
CEUs: 0.8
Certificate # NH-2025-0412""",
        (
            "Foundations of Exercise Programming",
            "Northside Health Institute",
            date(2025, 6, 5),
            Decimal(8),
            OTHER,
        ),
    ),
    (
        """CONTINUING EDUCATION CERTIFICATE
Participant: Dana White
Course: Training Clients with Type 2 Diabetes
Completion Date: 2025-11-03
Contact Hours: 1.5
Provider Name: Lakeside Wellness Academy
Provider Number: 50-1234
Keep this certificate for your records for four years.""",
        (
            "Training Clients with Type 2 Diabetes",
            "Lakeside Wellness Academy",
            date(2025, 11, 3),
            Decimal("1.5"),
            OTHER,
        ),
    ),
    (
        """American College of Sports Medicine
Certificate of Attendance
This certifies that
Jordan Lee
attended
ACSM's International Health & Fitness Summit
April 9, 2025
and is awarded 15.0 CECs
ACSM Continuing Education Department""",
        (
            "ACSM's International Health & Fitness Summit",
            "American College of Sports Medicine",
            date(2025, 4, 9),
            Decimal(15),
            Organization.ACSM,
        ),
    ),
    (
        """Certificate of Completion
Chris Young
has completed the webinar
Heat Illness Prevention for Outdoor Training
on Mar. 3, 2025
Presented by: Desert Sports Medicine Group
This program has been approved by ACSM for 1 CEC.
Printed on 03/04/2025""",
        (
            "Heat Illness Prevention for Outdoor Training",
            "Desert Sports Medicine Group",
            date(2025, 3, 3),
            Decimal(1),
            OTHER,
        ),
    ),
]
