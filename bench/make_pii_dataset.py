"""Generate the labelled PII/secret evaluation set used by ``bench/pii_bench.py``.

In the style of presidio-evaluator templates: realistic Slack questions to an internal docs bot with
``{{PLACEHOLDER}}`` slots. UPPER-CASE slots are labelled entities (the span is recorded with exact
character offsets); lower-case slots are unlabelled fillers (versions, ticket ids, commit hashes, ports,
dates...) that often look like PII but are not. About a quarter of the records come from negative
templates that contain no PII at all, only look-alikes.

Label conventions:

* GENERIC_SECRET / AWS_SECRET_KEY / bearer tokens: the span is the VALUE only, not the key name
  (``api_key=<span>``), because that is what the recognizers mark.
* Credentials in a URL (``postgres://user:<span>@host``): the span is the password only.
* PRIVATE_KEY: the whole PEM block, ``-----BEGIN`` through ``-----END ...-----`` inclusive.
* PHONE_NUMBER: the number as written, including an extension such as ``x1234``.
* PERSON / LOCATION are not labelled (the guard runs without an NER model), so the fillers avoid them.

Deterministic: ``Faker.seed(SEED)`` plus ``random.Random(SEED)``; running the script again rewrites
``bench/data/pii_eval.jsonl`` byte for byte (for a given Faker version).

    python bench/make_pii_dataset.py [--out PATH] [--n 600] [--seed 20240611]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from faker import Faker

SEED = 20240611
N_RECORDS = 600
NEGATIVE_SHARE = 0.25
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "pii_eval.jsonl"

# Secret-only alphabets (kept out of ``string`` constants so the shapes are explicit).
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
PASSWORD_SPECIALS = "!#%*_-+."

# Presidio's SSN recognizer rejects these published sample numbers; never generate them.
SSN_BLACKLIST = {"078-05-1120", "123-45-6789", "987-65-4320", "219-09-9999", "457-55-5462"}

# ---------------------------------------------------------------------------------------------------
# Templates. {{UPPER}} = labelled entity (see SLOT_ENTITY for slot -> entity type); {{lower}} = filler.
# ---------------------------------------------------------------------------------------------------

POSITIVE_TEMPLATES: list[str] = [
    # --- email
    "Why does the invoice for {{EMAIL_ADDRESS}} bounce?",
    "Can someone add {{EMAIL_ADDRESS}} to the {{service}} on-call rotation?",
    "SSO login fails for {{EMAIL_ADDRESS}} since the {{version}} upgrade, any idea?",
    "How do I reset MFA for {{EMAIL_ADDRESS}}? Ticket is {{ticket}}.",
    "the weekly report should go to {{EMAIL_ADDRESS}} and {{EMAIL_ADDRESS}}, where do I configure recipients?",
    # --- phone
    "call me at {{PHONE_NUMBER}} if the {{service}} deploy breaks again",
    "Customer says {{PHONE_NUMBER}} isn't receiving the SMS codes, where are the Twilio logs?",
    "what's the escalation policy? the pager went to {{PHONE_NUMBER}} instead of the on-call",
    "Vendor support line is {{PHONE_NUMBER}}, should I put it in the runbook?",
    # --- credit card
    "A customer pasted their card {{CREDIT_CARD}} in the support chat, how do we purge it?",
    "Test checkout with {{CREDIT_CARD}} fails with error {{errcode}} on staging, is that card blocked?",
    "Refund didn't go through for card {{CREDIT_CARD}} exp {{expiry}}. Who owns billing?",
    # --- IBAN
    "Which IBAN do we use for supplier payments, {{IBAN_CODE}} or the new one?",
    "Finance asked me to update the payout account to {{IBAN_CODE}} - is there a form for that?",
    "Payment to {{IBAN_CODE}} got rejected on {{date}}, where do I check the SEPA logs?",
    # --- IP
    "Is {{IP_ADDRESS}} allowed through the {{env}} firewall?",
    "We're seeing brute force attempts from {{IP_ADDRESS}}, how do I block it in the WAF?",
    "ssh to {{IP_ADDRESS}} times out on port {{port}}, is the bastion down?",
    "The health check hits {{IPV4_ADDRESS}}:{{port}} but returns 502, what's wrong?",
    # --- SSN
    "HR form asks for SSN, I typed {{US_SSN}} but it says invalid, is the validator broken?",
    "Is it ok to store {{US_SSN}} in the candidate notes field?",
    "payroll export row has ssn {{US_SSN}} twice, how do I dedupe?",
    # --- bank account (no checksum; Presidio relies on context words for it)
    "Payroll says my account number {{US_BANK_NUMBER}} is wrong, who can fix it?",
    "direct deposit to bank account {{US_BANK_NUMBER}} bounced on {{date}}, what do I do?",
    # --- AWS access key id / secret access key
    "I pasted {{AWS_ACCESS_KEY}} in the runbook, is that ok?",
    "Is {{AWS_ACCESS_KEY}} the deploy user's key or mine? IAM console shows it as active",
    "aws cli says InvalidClientTokenId for key {{AWS_ACCESS_KEY}} in {{region}}",
    "my ~/.aws/credentials has\n[default]\naws_access_key_id = {{AWS_ACCESS_KEY}}\n"
    "aws_secret_access_key = {{AWS_SECRET_KEY}}\nbut boto3 still says NoCredentialsError",
    "export AWS_SECRET_ACCESS_KEY={{AWS_SECRET_KEY}} works locally but not in CI, why?",
    'create-access-key returned {"AccessKeyId": "{{AWS_ACCESS_KEY}}", "SecretAccessKey": '
    '"{{AWS_SECRET_KEY}}"} where do I store this?',
    "the aws secret key for the backup bucket is {{AWS_SECRET_KEY}}, can you add it to vault?",
    # --- Slack
    "our deploy uses token {{SLACK_TOKEN}}, does it need the chat:write scope?",
    "SLACK_BOT_TOKEN={{SLACK_TOKEN}} gives invalid_auth, did someone rotate it?",
    "posting to {{SLACK_WEBHOOK}} returns 404 since yesterday, was the app removed?",
    # --- GitHub
    "git push fails with 403 using {{GITHUB_TOKEN}}, does it need the repo scope?",
    "Can I put GH_TOKEN: {{GITHUB_TOKEN}} in the workflow env or should it be a repo secret?",
    "curl -H 'Authorization: token {{GITHUB_TOKEN}}' https://api.github.com/user returns 401",
    # --- private keys
    "deploy key isn't working, this is what's in the secret:\n{{PRIVATE_KEY}}\nwhat format does it expect?",
    "```\n{{PRIVATE_KEY}}\n```\nis this the right key for the {{env}} bastion?",
    "ssh says 'invalid format' for my id_rsa: {{PRIVATE_KEY}}",
    # --- JWT
    "Authorization: Bearer {{JWT}} gives 401 on /api/v2/orders, is the audience wrong?",
    "can someone decode this token for me {{JWT}}? I think it's expired",
    "the frontend sends {{JWT}} in the session cookie, where is it validated?",
    # --- API keys
    "OPENAI_API_KEY={{API_KEY}} in my .env, why does the summarizer say 401?",
    "Is {{STRIPE_KEY}} our prod Stripe key or the test one?",
    "the maps widget uses {{GOOGLE_API_KEY}}, should that be restricted by referrer?",
    "pasting my key {{API_KEY}} here, can someone check if it's rate limited?",
    "the embedding job uses {{HF_TOKEN}} to pull the model, is that a personal token?",
    # --- generic secrets (value only)
    "api_key={{GENERIC_SECRET}} is in the config, why does it still 401?",
    "DB_PASSWORD={{GENERIC_SECRET}} in .env.production, is that file gitignored?",
    "the helm values have `password: {{GENERIC_SECRET}}` - should that be a sealed secret?",
    "psql 'postgres://{{user}}:{{URL_PASSWORD}}@{{dbhost}}:5432/{{db}}' says auth failed, what's wrong?",
    'curl -H "Authorization: Bearer {{HEX_SECRET}}" https://{{apihost}}/v1/jobs returns 403',
    "client_secret: {{HEX_SECRET}} for the OAuth app, where does it go in the settings?",
    "I set the db password to {{GENERIC_SECRET}} and now I can't log in, why?",
    "redis auth token = {{HEX_SECRET}}, do we rotate it?",
    # --- several entities in one message
    "{{EMAIL_ADDRESS}} can't log in from {{IP_ADDRESS}}, is the account locked?",
    "new contractor: {{EMAIL_ADDRESS}}, {{PHONE_NUMBER}} - how do I give them VPN access?",
    "I accidentally committed {{AWS_ACCESS_KEY}} and {{GITHUB_TOKEN}} in {{sha}}, what's the rotation procedure?",
    "webhook config: url {{SLACK_WEBHOOK}}, signing_secret={{HEX_SECRET}} - is that enough?",
    "the customer {{EMAIL_ADDRESS}} wants the refund to {{IBAN_CODE}} instead of card {{CREDIT_CARD}}",
    "for the background check: SSN {{US_SSN}}, phone {{PHONE_NUMBER}}, where do I upload it?",
    "staging DB is at {{IP_ADDRESS}}, user admin password={{GENERIC_SECRET}}, why can't the migration connect?",
    "logs show Authorization: Bearer {{JWT}} from {{IP_ADDRESS}}, should we redact headers?",
]

NEGATIVE_TEMPLATES: list[str] = [
    "Why does the build fail after upgrading to {{version}}?",
    "What's the status of {{ticket}}? It blocks the {{version}} release.",
    "Which commit introduced the regression, {{sha}} or the one before?",
    "Is port {{port}} open on the {{env}} load balancer?",
    "The cron runs at {{time}} UTC on {{date}}, can we move it?",
    "what does the api_key setting do?",
    "How do I rotate the GITHUB_TOKEN secret in Actions?",
    "where is the password reset page for the admin console?",
    "How does the token bucket rate limiter in {{service}} work?",
    "Does `kubectl rollout restart deploy/{{service}} -n {{env}}` drop connections?",
    "How many replicas does {{service}} run in {{env}}? the HPA says {{small}}",
    "What's the difference between an access key and a secret key in AWS?",
    "Should we use JWT or opaque session tokens for the mobile app?",
    "Is there a doc for setting up the SSH private key for the deploy user?",
    "Why does `pip install {{pkg}}=={{version}}` pick up a different wheel?",
    "max_tokens: {{max_tokens}} - is that too high for the summarizer?",
    "the request id {{uuid}} shows up in the error logs, what does it mean?",
    "Where do I set the password policy minimum length? It's {{small}} now.",
    "Does error code {{errcode}} mean the token expired?",
    "How do I reference the DB password from vault, like password: ${DB_PASSWORD}?",
    "why does api_key = os.environ['OPENAI_API_KEY'] return None in the worker?",
    "Logs say `invalid_auth` for the bot token, where do I regenerate it?",
    "Meeting notes from {{date}}: migrate {{service}} to {{version}}, owner {{handle}}",
    "Build {{build}} of {{service}} took {{small}} minutes, is the cache broken?",
]

# Labelled slot -> entity type (slots not listed here map to themselves).
SLOT_ENTITY = {
    "SLACK_WEBHOOK": "SLACK_TOKEN",
    "STRIPE_KEY": "API_KEY",
    "GOOGLE_API_KEY": "API_KEY",
    "HF_TOKEN": "API_KEY",
    "HEX_SECRET": "GENERIC_SECRET",
    "IPV4_ADDRESS": "IP_ADDRESS",
    "URL_PASSWORD": "GENERIC_SECRET",
}

_SLOT = re.compile(r"\{\{(\w+)\}\}")


class Generator:
    def __init__(self, seed: int) -> None:
        Faker.seed(seed)
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.phone_fakers = {loc: Faker(loc) for loc in ("en_US", "en_GB", "de_DE", "fr_FR")}
        self.iban_fakers = {loc: Faker(loc) for loc in ("en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES")}
        self.slots: dict[str, Callable[[], str]] = {
            name[len("slot_") :]: getattr(self, name) for name in dir(self) if name.startswith("slot_")
        }

    # --- helpers -------------------------------------------------------------------------------------
    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def b64url(self, raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    # --- labelled entities ---------------------------------------------------------------------------
    def slot_EMAIL_ADDRESS(self) -> str:
        kind = self.rng.random()
        if kind < 0.5:
            return self.fake.company_email()
        if kind < 0.8:
            return self.fake.free_email()
        first, last = self.fake.first_name().lower(), self.fake.last_name().lower()
        return f"{first}.{last}+{self.rng.choice(['billing', 'test', 'ops'])}@{self.fake.domain_name()}"

    def slot_PHONE_NUMBER(self) -> str:
        loc = self.rng.choices(["en_US", "en_GB", "de_DE", "fr_FR"], weights=[6, 2, 1, 1])[0]
        return self.phone_fakers[loc].phone_number()

    def slot_CREDIT_CARD(self) -> str:
        kind = self.rng.choice(["visa16", "mastercard", "amex", "discover", "jcb16", "visa16"])
        number = self.fake.credit_card_number(card_type=kind)
        style = self.rng.random()
        if style < 0.35 and len(number) == 16:
            sep = self.rng.choice([" ", "-"])
            return sep.join(number[i : i + 4] for i in range(0, 16, 4))
        if style < 0.45 and len(number) == 15:
            return f"{number[:4]} {number[4:10]} {number[10:]}"
        return number

    def slot_IBAN_CODE(self) -> str:
        iban = self.iban_fakers[self.rng.choice(sorted(self.iban_fakers))].iban()
        if self.rng.random() < 0.3:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def slot_IP_ADDRESS(self) -> str:
        kind = self.rng.random()
        if kind < 0.45:
            return self.fake.ipv4_public()
        if kind < 0.8:
            return self.fake.ipv4_private()
        return self.fake.ipv6()

    def slot_IPV4_ADDRESS(self) -> str:
        # Used before ":port" (an unbracketed IPv6 address followed by a port is ambiguous).
        return self.fake.ipv4_private() if self.rng.random() < 0.5 else self.fake.ipv4_public()

    def slot_US_SSN(self) -> str:
        while True:
            ssn = self.fake.ssn()
            digits = ssn.replace("-", "")
            if ssn not in SSN_BLACKLIST and len(set(digits)) > 1:
                return ssn

    def slot_US_BANK_NUMBER(self) -> str:
        return str(self.rng.randint(1, 9)) + self.chars(string.digits, self.rng.randint(8, 11))

    def slot_AWS_ACCESS_KEY(self) -> str:
        return self.rng.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + self.chars(UPPER_DIGITS, 16)

    def slot_AWS_SECRET_KEY(self) -> str:
        return self.chars(B64, 40)

    def slot_SLACK_TOKEN(self) -> str:
        prefix = self.rng.choice(["xoxb", "xoxb", "xoxp"])
        team = self.chars(string.digits, self.rng.randint(10, 13))
        user = self.chars(string.digits, self.rng.randint(10, 13))
        if prefix == "xoxp":
            extra = self.chars(string.digits, 13)
            return f"xoxp-{team}-{user}-{extra}-{self.chars(HEX, 32)}"
        return f"xoxb-{team}-{user}-{self.chars(ALNUM, 24)}"

    def slot_SLACK_WEBHOOK(self) -> str:
        return (
            f"https://hooks.slack.com/services/T{self.chars(UPPER_DIGITS, 8)}/"
            f"B{self.chars(UPPER_DIGITS, 10)}/{self.chars(ALNUM, 24)}"
        )

    def slot_GITHUB_TOKEN(self) -> str:
        kind = self.rng.random()
        if kind < 0.55:
            return "ghp_" + self.chars(ALNUM, 36)
        if kind < 0.85:
            return f"github_pat_{self.chars(ALNUM, 22)}_{self.chars(ALNUM, 59)}"
        return self.rng.choice(["gho_", "ghs_", "ghu_"]) + self.chars(ALNUM, 36)

    def slot_PRIVATE_KEY(self) -> str:
        label, head = self.rng.choice(
            [
                ("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA"),
                ("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
                ("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"),
                ("EC PRIVATE KEY", "MHcCAQEEI"),
            ]
        )
        body = head + self.chars(B64, 64 * self.rng.randint(3, 7) - len(head))
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        lines[-1] = lines[-1][: self.rng.randint(20, 60)] + self.rng.choice(["", "=", "=="])
        return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"

    def slot_JWT(self) -> str:
        header = {"alg": self.rng.choice(["HS256", "RS256"]), "typ": "JWT"}
        iat = 1_700_000_000 + self.rng.randint(0, 30_000_000)
        payload = {
            "sub": str(self.rng.randint(10_000, 9_999_999)),
            "aud": self.rng.choice(["orders-api", "web", "mobile"]),
            "iat": iat,
            "exp": iat + 3600,
        }
        parts = [
            self.b64url(json.dumps(header, separators=(",", ":")).encode()),
            self.b64url(json.dumps(payload, separators=(",", ":")).encode()),
            self.b64url(self.rng.randbytes(32 if header["alg"] == "HS256" else 64)),
        ]
        return ".".join(parts)

    def slot_API_KEY(self) -> str:
        kind = self.rng.random()
        if kind < 0.45:
            return "sk-" + self.chars(ALNUM, 48)
        if kind < 0.8:
            return "sk-proj-" + self.chars(B64URL, self.rng.choice([48, 64, 100]))
        return "sk-ant-api03-" + self.chars(B64URL, 93) + "AA"

    def slot_STRIPE_KEY(self) -> str:
        return self.rng.choice(["sk_live_", "sk_test_", "rk_live_"]) + self.chars(ALNUM, 24)

    def slot_GOOGLE_API_KEY(self) -> str:
        return "AIza" + self.chars(B64URL, 35)

    def slot_HF_TOKEN(self) -> str:
        return "hf_" + self.chars(ALNUM, 34)

    def slot_GENERIC_SECRET(self) -> str:
        n = self.rng.randint(10, 20)
        core = self.chars(ALNUM, n - 2)
        return core + self.rng.choice(PASSWORD_SPECIALS) + self.rng.choice(string.digits)

    def slot_HEX_SECRET(self) -> str:
        return self.chars(HEX, self.rng.choice([32, 40, 64]))

    def slot_URL_PASSWORD(self) -> str:
        return self.chars(ALNUM, self.rng.randint(10, 18))

    # --- unlabelled fillers --------------------------------------------------------------------------
    def slot_service(self) -> str:
        return self.rng.choice(["billing-api", "search", "auth-gateway", "notifier", "ingest-worker", "web", "reports"])

    def slot_env(self) -> str:
        return self.rng.choice(["prod", "staging", "dev", "eu-prod", "sandbox"])

    def slot_region(self) -> str:
        return self.rng.choice(["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"])

    def slot_version(self) -> str:
        v = f"{self.rng.randint(0, 12)}.{self.rng.randint(0, 30)}.{self.rng.randint(0, 20)}"
        return self.rng.choice([v, "v" + v, v + "-rc." + str(self.rng.randint(1, 4))])

    def slot_ticket(self) -> str:
        return f"{self.rng.choice(['JIRA', 'OPS', 'SEC', 'INC'])}-{self.rng.randint(100, 9999)}"

    def slot_sha(self) -> str:
        return self.chars(HEX, self.rng.choice([7, 12, 40]))

    def slot_port(self) -> str:
        return str(self.rng.choice([22, 443, 5432, 6379, 8080, 8443, 9200, 3000, 27017]))

    def slot_date(self) -> str:
        d = self.fake.date_between(start_date="-2y", end_date="today")
        return self.rng.choice([d.isoformat(), d.strftime("%m/%d/%Y"), d.strftime("%b %d")])

    def slot_time(self) -> str:
        return f"{self.rng.randint(0, 23):02d}:{self.rng.choice([0, 15, 30, 45]):02d}"

    def slot_errcode(self) -> str:
        return self.rng.choice([f"E{self.rng.randint(1000, 9999)}", f"0x{self.chars(HEX, 8)}", "card_declined"])

    def slot_expiry(self) -> str:
        return self.fake.credit_card_expire()

    def slot_user(self) -> str:
        return self.rng.choice(["app", "admin", "migrator", "readonly", "etl"])

    def slot_dbhost(self) -> str:
        return self.rng.choice(
            [f"db.{self.fake.domain_name()}", "db.internal", "pg-primary.svc.cluster.local", "localhost"]
        )

    def slot_db(self) -> str:
        return self.rng.choice(["app", "billing", "analytics", "postgres"])

    def slot_apihost(self) -> str:
        return self.rng.choice(["api.internal", "jobs.svc.cluster.local", f"api.{self.fake.domain_name()}"])

    def slot_small(self) -> str:
        return str(self.rng.randint(2, 40))

    def slot_pkg(self) -> str:
        return self.rng.choice(["numpy", "psycopg", "torch", "pydantic", "cryptography", "grpcio"])

    def slot_max_tokens(self) -> str:
        return str(self.rng.choice([1024, 2048, 4096, 8192, 16384, 32000, 128000]))

    def slot_uuid(self) -> str:
        return self.fake.uuid4()

    def slot_handle(self) -> str:
        return "@" + self.rng.choice(["devops-oncall", "platform-team", "sre", "billing-eng"])

    def slot_build(self) -> str:
        return f"#{self.rng.randint(1000, 99999)}"

    # --- rendering -----------------------------------------------------------------------------------
    def render(self, template: str) -> tuple[str, list[dict]]:
        out: list[str] = []
        spans: list[dict] = []
        pos = 0
        cursor = 0
        for m in _SLOT.finditer(template):
            literal = template[cursor : m.start()]
            out.append(literal)
            pos += len(literal)
            slot = m.group(1)
            value = self.slots[slot]()
            out.append(value)
            if slot.isupper():
                spans.append(
                    {
                        "entity_type": SLOT_ENTITY.get(slot, slot),
                        "start": pos,
                        "end": pos + len(value),
                        "value": value,
                    }
                )
            pos += len(value)
            cursor = m.end()
        out.append(template[cursor:])
        text = "".join(out)
        for s in spans:
            assert text[s["start"] : s["end"]] == s["value"], (template, s)
        return text, spans


def _schedule(rng: random.Random, templates: list[str], n: int) -> list[str]:
    """Round-robin over shuffled templates so every template is used about n / len(templates) times."""
    picks: list[str] = []
    while len(picks) < n:
        batch = list(templates)
        rng.shuffle(batch)
        picks.extend(batch)
    return picks[:n]


def generate(n: int = N_RECORDS, seed: int = SEED) -> list[dict]:
    gen = Generator(seed)
    n_neg = round(n * NEGATIVE_SHARE)
    templates = _schedule(gen.rng, POSITIVE_TEMPLATES, n - n_neg) + _schedule(gen.rng, NEGATIVE_TEMPLATES, n_neg)
    gen.rng.shuffle(templates)
    records = []
    for i, template in enumerate(templates, start=1):
        text, spans = gen.render(template)
        records.append({"id": f"pii-{i:04d}", "text": text, "spans": spans})
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--n", type=int, default=N_RECORDS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    records = generate(args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    counts = Counter(s["entity_type"] for r in records for s in r["spans"])
    negatives = sum(1 for r in records if not r["spans"])
    print(f"wrote {len(records)} records ({negatives} without PII) to {args.out}")
    for entity, count in sorted(counts.items()):
        print(f"  {entity:<16} {count}")


if __name__ == "__main__":
    main()
