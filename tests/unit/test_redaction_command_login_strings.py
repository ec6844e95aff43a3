"""Connect strings of database clients pasted into a question, through `PiiGuard.redact`
(`guardrails/command_passwords.py`).

1. over-redaction — Oracle's ``sqlplus user/password@db`` made any ``word/word`` after sqlplus, rman, expdp… a
   logon, so a sentence lost a word: "how does sqlplus client/server mode work" → "client/<GENERIC_SECRET> mode";
   a logon whose password is a plain word is now one only where the command says so (``@db``, ``as sysdba``, the
   command ends there, or goes on with its own options or a new clause), not where a phrase goes on;
2. recall — ``exp``/``imp`` logons, ``db2 connect … using PASSWORD``, ``isql DSN USER PASSWORD`` and
   ``isql -P PASSWORD``, and ``mysql -p'quoted'`` kept the password; only the password goes, the rest of the
   line stays."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import _assert_finishes, _assert_kept

_MARK = "<GENERIC_SECRET>"


def _assert_only_password_redacted(pii_guard, text: str, *values: str) -> None:
    red = pii_guard.redact(text)
    expected = text
    for value in values:
        expected = expected.replace(value, _MARK)
    assert red.text == expected, red.text
    assert red.secrets_found, red.entity_counts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # Oracle logons: USER/PASSWORD, @connect maybe
        ("sqlplus scott/tiger", "tiger"),
        ("sqlplus SYSTEM/MANAGER", "MANAGER"),
        ("sqlplus scott/tiger@orcl", "tiger"),
        ("sqlplus system/Manager1@//db.example.com:1521/ORCLPDB1", "Manager1"),
        ("sqlplus hr/Welcome1@orclpdb as sysdba", "Welcome1"),
        ("sqlplus sys/oracle as sysdba", "oracle"),
        ("sqlplus -L app/Kq81bz@db", "Kq81bz"),
        ("sqlplus -S app/swordfish @run.sql", "swordfish"),
        ("sqlplus app/swordfish < run.sql", "swordfish"),
        ("when I run sqlplus scott/tiger it says ORA-01017", "tiger"),
        ("sqlplus scott/tiger fails with ORA-12154", "tiger"),
        ("sqlplus scott/tiger and then nothing", "tiger"),
        ("I ran sqlplus scott/Tiger42 from cron", "Tiger42"),
        # any word after a plain-word password but a phrase's: what may follow a logon is no closed list
        ("sqlplus scott/tiger gets ORA-01017", "tiger"),
        ("sqlplus scott/tiger returning ORA-01017", "tiger"),
        ("sqlplus scott/tiger locks the account", "tiger"),
        ("sqlplus hr/oracle reports ORA-28000", "oracle"),
        ("sqlplus system/oracle doesnt work", "oracle"),
        ("db2 connect to sample user db2inst1 using letmein gets SQL30082N", "letmein"),
        ("dgmgrl sys/Kq81bz@prod", "Kq81bz"),
        ("rman target sys/swordfish nocatalog", "swordfish"),
        ("rman target / catalog rcat/Zz91qq@cat", "Zz91qq"),
        # export, import and the loader
        ("expdp system/Kq81bz directory=dp dumpfile=x.dmp", "Kq81bz"),
        ("impdp system/swordfish@pdb directory=dp", "swordfish"),
        ("exp scott/Kq81bz file=x.dmp", "Kq81bz"),
        ("imp scott/swordfish file=x.dmp full=y", "swordfish"),
        ("exp userid=scott/Kq81bz file=x.dmp", "Kq81bz"),
        ("imp userid=system/Kq81bz@orcl file=x.dmp", "Kq81bz"),
        ("sqlldr scott/swordfish control=x.ctl", "swordfish"),
        ("sqlldr control=x.ctl userid=scott/Kq81bz", "Kq81bz"),
        # DB2's CLP
        ("db2 connect to sample user db2inst1 using Kq81bz", "Kq81bz"),
        ("db2 CONNECT TO sample USER db2inst1 USING swordfish", "swordfish"),
        ('db2 "connect to sample user db2inst1 using Kq81bz"', "Kq81bz"),
        ("db2 connect to sample user db2inst1 using 'Kq8 1bz'", "Kq8 1bz"),
        ("db2 connect to sample user db2inst1 using swordfish and it fails", "swordfish"),
        ("db2 attach to db2inst1 user db2inst1 using Kq81bz", "Kq81bz"),
        # isql: unixODBC's DSN USER PASSWORD, Sybase's -P
        ("isql -v MyDSN sa Kq81bz", "Kq81bz"),
        ("isql MyDSN sa swordfish -v", "swordfish"),
        ("isql -U sa -P Kq81bz -S server", "Kq81bz"),
        ("isql -Usa -PKq81bz -SSERVER", "Kq81bz"),
        # the other clients
        ("mysql -h db -u root -p'Kq8 1bz' app", "Kq8 1bz"),
        ('mysqldump -uroot -p"Kq81bz" app', "Kq81bz"),
        ("mysql -uroot -pKq81bz app", "Kq81bz"),
        ('mysql --password="hunter two" -u root app', "hunter two"),
        ("mysqldump --password='Kq8 1bz' app", "Kq8 1bz"),
        ("sqlcmd -S db -U sa -P Kq81bz -Q 'select 1'", "Kq81bz"),
        ("bcp db.dbo.t out t.dat -S db -U sa -P Kq81bz -c", "Kq81bz"),
        ("mongosh mongodb://db:27017/app -u admin -p Kq81bz", "Kq81bz"),
        ("psql 'postgresql://app:Kq81bz@db:5432/app?sslmode=require'", "Kq81bz"),
    ],
)
def test_a_connect_string_password_goes_and_the_rest_stays(pii_guard, text, value):
    _assert_only_password_redacted(pii_guard, text, value)


def test_db2_old_and_new_passwords_go(pii_guard):
    text = "db2 connect to sample user db2inst1 using Kq81bz new Zz91qq confirm Zz91qq"
    _assert_only_password_redacted(pii_guard, text, "Kq81bz", "Zz91qq")


@pytest.mark.parametrize(
    "text",
    [
        # word/word in a sentence about the tool
        "how does sqlplus client/server mode work",
        "sqlplus client/server architecture",
        "sqlplus client/server",
        "Is sqlplus client/server or standalone?",
        "sqlplus read/write mode",
        "sqlplus input/output redirection",
        "sqlplus Linux/Windows differences",
        "rman backup/restore guide",
        "rman full/incremental for nightly backups",
        "expdp import/export of schemas",
        "sqlldr control/data files",
        "exp import/export",
        "imp and/or impdp, which is faster?",
        # no password given
        "sqlplus /nolog",
        "sqlplus / as sysdba",
        "sqlplus -s /nolog @script.sql",
        "rman target / nocatalog",
        "sqlplus username/password@tns",
        "exp help=y",
        "db2 connect to sample user db2inst1",
        "db2 connect to sample user db2inst1 using",
        "db2 connect to sample user db2inst1 using &lt;password&gt;",
        "db2 connect to sample",
        "isql -v MyDSN",
        "isql -v MyDSN sa",
        "isql -U sa -S server -D mydb",
        "isql is the unixODBC test tool",
        "isql MyDSN gives Data source name not found",
        "isql mydsn returns IM002 error",
        "db2 connect to sample user bob using kerberos tickets",
        "db2 connect to mydb user me using the password from vault",
        "mysql -u root -p app",
        "mysql -uroot -p",
        'mysql --password "app db"',  # --password takes its value after "=" only: this prompts, then opens "app db"
    ],
)
def test_a_sentence_or_a_command_without_a_password_stays(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "sqlplus " + "a/b " * (SIZE // 4),
    "sqlplus a/b " * (SIZE // 12),
    "db2 connect " + "user a using " * (SIZE // 13),
    "db2 " * (SIZE // 4),
    'db2 "' + "connect user a using " * (SIZE // 21),
    "isql " + "a " * (SIZE // 2),
    "isql -P " * (SIZE // 8),
    "exp imp " * (SIZE // 8),
    "mysql -p'" * (SIZE // 9),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_connect_strings_stay_linear_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
