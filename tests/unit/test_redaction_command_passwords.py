"""Passwords given to a command on its command line, pasted into a question, through `PiiGuard.redact` (the entry
point the pipeline calls on every question). Before, only ``redis-cli -a``, ``htpasswd -b``, ``mysql -pX``,
``sshpass -p`` and ``curl -u`` were read; ``docker login -p``, ``mongosh -p``, ``sqlcmd -P``, ``ldapsearch -w``,
``smbclient -U user%pass``, ``zip -P``, ``7z -pX``, ``keytool -storepass``, ``sqlplus user/pass@db``,
``rabbitmqctl add_user`` and the rest below kept the password in the clear.

Each group also keeps the commands and sentences written the same way that hold no password: the option alone
(which prompts), a placeholder, an option of another command with the same letter (``docker run -p 8080:80``) and
a sentence about the option."""

from __future__ import annotations

import pytest

from tests.unit.test_redaction_brackets_cli_capitals import (
    _assert_finishes,
    _assert_kept,
    _assert_redacted,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # container registries
        ("docker login -u admin -p Tr0ub4dor registry.example.com", "Tr0ub4dor"),
        ("docker login -u admin -p hunter22 ghcr.io", "hunter22"),
        ("sudo docker login -p 'my s3cret' -u me", "my s3cret"),
        ("Docker login -u me -p Swordfish42 quay.io fails", "Swordfish42"),
        ("podman login -u me -p Tr0ub4dor quay.io", "Tr0ub4dor"),
        ("helm registry login -u me -p Tr0ub4dor ghcr.io", "Tr0ub4dor"),
        # databases
        ("mongosh -u admin -p Tr0ub4dor --authenticationDatabase admin", "Tr0ub4dor"),
        ("mongodump -u admin -p hunter22 --db app", "hunter22"),
        ("mongo -u admin -p swordfish mydb", "swordfish"),
        ("cqlsh -u cassandra -p hunter22 10.0.0.5", "hunter22"),
        ("sqlcmd -S db -U sa -P Tr0ub4dor -Q 'select 1'", "Tr0ub4dor"),
        ("bcp dbo.t out t.dat -S db -U sa -P hunter22", "hunter22"),
        ("sqlplus scott/tiger42@orcl", "tiger42"),
        ("sqlplus -s system/Manager1@//db:1521/XE", "Manager1"),
        ("sqlplus sys/hunter22 as sysdba", "hunter22"),
        ("expdp system/Welcome1@pdb directory=dp dumpfile=x.dmp", "Welcome1"),
        ("influx -username admin -password hunter22", "hunter22"),
        # directories, file shares, remote desktops, brokers, hardware
        ("ldapsearch -x -D cn=admin,dc=example,dc=org -w hunter22 -b dc=example,dc=org", "hunter22"),
        ("ldapmodify -D cn=admin -w 'Tr0ub 4dor' -f change.ldif", "Tr0ub 4dor"),
        ("ldappasswd -D cn=admin -w adminpw -s Newpass99 uid=bob", "Newpass99"),
        ("smbclient //srv/share -U alice%hunter22", "hunter22"),
        ("smbclient -L srv --user=CORP\\alice%Tr0ub4dor", "Tr0ub4dor"),
        ("lftp -u alice,hunter22 ftp.example.com", "hunter22"),
        ("xfreerdp /v:host /u:alice /p:Tr0ub4dor", "Tr0ub4dor"),
        ("rdesktop -u alice -p hunter22 host", "hunter22"),
        ("psexec \\\\host -u admin -p Tr0ub4dor cmd", "Tr0ub4dor"),
        ("mosquitto_pub -h broker -u dev -P hunter22 -t t -m hi", "hunter22"),
        ("ipmitool -I lanplus -H 10.0.0.9 -U ADMIN -P Tr0ub4dor power status", "Tr0ub4dor"),
        ("rabbitmqctl add_user alice hunter22", "hunter22"),
        ("rabbitmqctl change_password alice 'Tr0ub 4dor'", "Tr0ub 4dor"),
        ("net user alice Tr0ub4dor /add", "Tr0ub4dor"),
        ("NET USER alice hunter22 /domain", "hunter22"),
        # archives, keys and key stores
        ("zip -P hunter22 out.zip file.txt", "hunter22"),
        ("unzip -P Tr0ub4dor backup.zip", "Tr0ub4dor"),
        ("7z a -phunter22 out.7z dir", "hunter22"),
        ("rar a -hpTr0ub4dor out.rar dir", "Tr0ub4dor"),
        ("keytool -list -keystore ks.jks -storepass hunter22", "hunter22"),
        ("keytool -importkeystore -srcstorepass changeit2 -deststorepass Tr0ub4dor", "Tr0ub4dor"),
        ("jarsigner -keystore ks.jks -keypass hunter22 app.jar alias", "hunter22"),
        ("ssh-keygen -t ed25519 -N 'Tr0ub4dor' -f key", "Tr0ub4dor"),
        ("ssh-keygen -p -P hunter22 -N Tr0ub4dor -f key", "hunter22"),
    ],
)
def test_a_password_given_to_a_command_is_redacted(pii_guard, text, value):
    _assert_redacted(pii_guard, text, value)


@pytest.mark.parametrize(
    "text",
    [
        # the option alone prompts for the password
        "docker login -u admin -p",
        "mongosh -u admin -p --host db",
        "7z a -p out.7z dir",
        "ssh-keygen -t ed25519 -N '' -f key",
        "net user alice *",
        "net user alice",
        "unrar x -p- archive.rar",
        # a placeholder or a variable
        "docker login -u admin -p $REGISTRY_TOKEN ghcr.io",
        "sqlcmd -S db -U sa -P <password>",
        "ldapsearch -x -D cn=admin -w ${LDAP_PASSWORD} -b dc=x",
        "smbclient //srv/share -U alice%<password>",
        "sqlplus scott/<password>@orcl",
        "keytool -list -keystore ks.jks -storepass:env STOREPASS",
        "rabbitmqctl add_user alice <password>",
        # the same letter in another command, or no password given
        "docker run -p 8080:80 nginx",
        "docker login ghcr.io",
        "sqlplus / as sysdba",
        "sqlplus /nolog",
        "smbclient //srv/share -U alice",
        "zip -r out.zip dir",
        "mongosh --host db --port 27017",
        "rabbitmqctl list_users",
        # a sentence about the option
        "docker login -p to pass the password",
        "docker login -p is deprecated, use --password-stdin",
        "mongosh -p prompts for the password",
        "with zip, -P sets the password",
        "how does keytool -storepass take the password?",
        "rabbitmqctl add_user takes a name and a password",
        "the net user count went up",
    ],
)
def test_commands_without_a_password_stay(pii_guard, text):
    _assert_kept(pii_guard, text)


SIZE = 200_000
ADVERSARIAL = [
    "docker login " + "-p " * (SIZE // 3),
    "docker login -p x " * (SIZE // 18),
    "mongosh " + "-p x " * (SIZE // 5),
    "smbclient -U " + "a%" * (SIZE // 2),
    "sqlplus " + "a/" * (SIZE // 2),
    "7z -p" + "x" * SIZE,
    "rabbitmqctl add_user " + "a " * (SIZE // 2),
    "net user " + "/a " * (SIZE // 3),
    "docker " * (SIZE // 7),
    "docker login\t" * (SIZE // 13),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:14])
def test_command_passwords_do_not_hold_the_guard_on_adversarial_input(pii_guard, text):
    """A hang guard, not a speed test (see `HANG_LIMIT_S`)."""
    _assert_finishes(pii_guard, text)
