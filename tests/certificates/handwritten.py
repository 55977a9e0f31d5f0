"""Certificate texts written by hand in the wordings and layouts common continuing-education
certificates use (names, numbers and organizations invented), each with its truth:
(title, provider, date completed, CECs, ACSM or other). Used by the parser's tests and by
bench/bench_reading.py beside the generated corpus.

The last ones follow the layouts of public certificates (an approved provider's CE
certificate with its CEUs and provider ID, a sponsor's statement of ACSM approval under the
course): names and numbers invented. `PARTLY_READ` are layouts the parser reads only in
part (a provider that is only the letterhead, a "Sponsor:" label, "Total Credits Earned"):
what it reads there must be right, what it misses is asked in the chat."""

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
    (
        """NATIONAL ACADEMY OF FITNESS PROFESSIONALS
Continuing Education Certificate
This certifies that
Morgan Ellis
has completed
Mobility Training for Older Adults
Approved CEUs: 0.4
Course Completion Date: 10/14/2025
Approved Provider: Horizon Movement Academy
Provider ID: CEU-0931
Verify at horizonmovement.example""",
        (
            "Mobility Training for Older Adults",
            "Horizon Movement Academy",
            date(2025, 10, 14),
            Decimal(4),
            OTHER,
        ),
    ),
    (
        """Certificate of Completion
Jamie Ortiz
Program Title: Exercise and Pregnancy: Prenatal & Postpartum Training
Date of Completion: January 21, 2025
Number of CECs Awarded: 6
Sponsored by: Riverbend Women's Health Education
This continuing education activity is approved by the American College of Sports \
Medicine's Professional Education Committee for 6.0 CECs.
ACSM Approved Provider #789012""",
        (
            "Exercise and Pregnancy: Prenatal & Postpartum Training",
            "Riverbend Women's Health Education",
            date(2025, 1, 21),
            Decimal(6),
            OTHER,
        ),
    ),
]

PARTLY_READ: list[tuple[str, tuple[object, ...]]] = [
    (
        """Horizon Strength Co.
CERTIFICATE
OF COMPLETION
PRESENTED TO
TAYLOR BROOKS
FOR SUCCESSFULLY COMPLETING
KETTLEBELL COACH LEVEL 1
DATE: AUGUST 17, 2025
CEC HOURS: 8
_____________________
Lead Instructor""",
        ("KETTLEBELL COACH LEVEL 1", "Horizon Strength Co.", date(2025, 8, 17), Decimal(8), OTHER),
    ),
    (
        """CE Credit Verification
Attendee Name: Pat Nguyen
Event: Midwest Exercise Science Conference
Sponsor: Great Lakes Exercise Science Association
Dates Attended: 02/27/2025
Total Credits Earned: 7.25 CEC
Signature of Program Director""",
        (
            "Midwest Exercise Science Conference",
            "Great Lakes Exercise Science Association",
            date(2025, 2, 27),
            Decimal("7.25"),
            OTHER,
        ),
    ),
]
