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
    parser.add_argument("--set", choices=["tuned", "dev", "heldout"], default="tuned")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--n", type=int, default=N_RECORDS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    if args.set != "tuned":
        records, negatives = generate_k(args.set)
        data = DEFAULT_OUT.parent
        out, neg_out = data / f"pii_{args.set}.jsonl", data / f"pii_{args.set}_negatives.jsonl"
        write_jsonl(out, records)
        write_jsonl(neg_out, negatives)
        counts = Counter(s["entity_type"] for r in records for s in r["spans"])
        intl = sum(1 for r in records for s in r["spans"] if s.get("country_code"))
        print(f"wrote {len(records)} records to {out}, {len(negatives)} negatives to {neg_out}")
        for entity, count in sorted(counts.items()):
            print(f"  {entity:<16} {count}" + (f" ({intl} with country code)" if entity == "PHONE_NUMBER" else ""))
        return

    records = generate(args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out, records)

    counts = Counter(s["entity_type"] for r in records for s in r["spans"])
    negatives = sum(1 for r in records if not r["spans"])
    print(f"wrote {len(records)} records ({negatives} without PII) to {args.out}")
    for entity, count in sorted(counts.items()):
        print(f"  {entity:<16} {count}")


# ===================================================================================================
# Second generation (issue K): a held-out set nobody tuned on, a dev set to tune on, and negatives.
#
#   python bench/make_pii_dataset.py --set heldout   # bench/data/pii_heldout.jsonl + pii_negatives.jsonl
#   python bench/make_pii_dataset.py --set dev       # bench/data/pii_dev.jsonl + pii_dev_negatives.jsonl
#
# The held-out set is made of (a) every template of presidio-evaluator (bench/data/
# pii_templates_presidio_evaluator.txt, copied from its wheel: the project wrote none of them) and (b) half
# of the Slack-style templates below; the dev set uses the other half only. Values come from Faker in the
# locales en_US, en_GB, de_CH, fr_FR and en_IN and from brand/format generators for cards, phones and
# secrets. Negative templates are split the same way (even index → dev, odd → held-out). Each set has its
# own seed. The held-out files were generated once and committed before the recognizers were tuned; their
# errors were not looked at while tuning.
# ===================================================================================================

HELDOUT_SEED = 8_311_962
DEV_SEED = 4_271_035
LOCALES = ("en_US", "en_GB", "de_CH", "fr_FR", "en_IN")
PE_TEMPLATES = Path(__file__).resolve().parent / "data" / "pii_templates_presidio_evaluator.txt"

# presidio-evaluator slot -> labelled entity (other slots are unlabelled fillers).
PE_SLOT_ENTITY = {
    "credit_card_number": "CREDIT_CARD",
    "phone_number": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "iban": "IBAN_CODE",
    "ssn": "US_SSN",
    "ip_address": "IP_ADDRESS",
    "person": "PERSON",
    "name": "PERSON",
    "first_name": "PERSON",
    "last_name": "PERSON",
    "name_female": "PERSON",
    "name_male": "PERSON",
    "first_name_male": "PERSON",
    "first_name_female": "PERSON",
    "first_name_nonbinary": "PERSON",
    "last_name_male": "PERSON",
    "last_name_female": "PERSON",
    "city": "LOCATION",
    "country": "LOCATION",
    "address": "LOCATION",
    "street_name": "LOCATION",
}

# Slack-style templates (upper-case slots labelled, lower-case fillers as in the first set). Even index → dev,
# odd index → held-out.
K_TEMPLATES: list[str] = [
    # cards
    "customer read me their card over chat: {{CARD}} — how do I delete that message from the export?",
    "the payment log line has pan={{CARD}} in clear text, is that a PCI incident?",
    "Refund for {{CARD}} (exp {{expiry}}) failed with {{errcode}}, who can retry it?",
    "Why was card {{CARD}} declined on {{date}}? order {{ticket}}",
    "I saw {{CARD}} in the {{service}} debug output after the {{version}} deploy",
    "Can we block the card number {{CARD}}? it's being used for fraud",
    # phones
    "if the migration goes wrong call me on {{PHONE_INTL}}",
    "vendor escalation line is {{PHONE_INTL}}, add it to the runbook?",
    "my mobile is {{PHONE_LOCAL}}, text me when {{service}} is back",
    "the Zurich office number is {{PHONE_INTL}} — who picks up at night?",
    "customer asks us to ring {{PHONE_INTL}} about {{ticket}}",
    "phone: {{PHONE_LOCAL}} (desk), {{PHONE_INTL}} (cell)",
    "reach me on whatsapp {{PHONE_INTL}} while I'm travelling",
    "SMS codes to {{PHONE_INTL}} never arrive, is Twilio failing in {{region}}?",
    "tel. {{PHONE_LOCAL}} — that's the pager for the {{env}} on-call",
    "please call {{PHONE_LOCAL}} if the {{service}} alerts fire again",
    # other PII
    "{{EMAIL_ADDRESS}} says the invite link expired, can you resend?",
    "bounce from {{EMAIL_ADDRESS}}: 550 mailbox unavailable, remove them from the list?",
    "wire to {{IBAN_CODE}} got returned, is the BIC wrong?",
    "new supplier IBAN {{IBAN_CODE}} — who approves it?",
    "login attempts from {{IP_ADDRESS}} every {{small}}s, block it?",
    "the VPN gives me {{IP_ADDRESS}} but the allowlist has another one",
    "the background check form needs SSN {{US_SSN}} — is this channel ok for that?",
    "payroll shows ssn {{US_SSN}} for two people, how?",
    # secrets (values from many providers)
    "CI log printed {{AWS_ACCESS_KEY}} in the deploy step, how bad is it?",
    "aws_secret_access_key={{AWS_SECRET_KEY}} was in the Dockerfile for a week",
    "token {{SLACK_TOKEN}} was in the screenshot, rotate?",
    "the app posts with {{SLACK_TOKEN}}, which workspace is it?",
    "found {{GITHUB_TOKEN}} in an old gist, whose is it?",
    "GITHUB_TOKEN: {{GITHUB_TOKEN}} in the env of the runner, safe?",
    "gitlab runner registered with {{GITLAB_TOKEN}}, can I reuse it?",
    "the release job uses {{GITLAB_TOKEN}} to push tags",
    "stripe dashboard shows {{STRIPE_KEY}} as the live key, is that the one in vault?",
    "checkout service has {{STRIPE_KEY}} hard-coded, see {{sha}}",
    "twilio account {{TWILIO_KEY}} is billed to which team?",
    "SendGrid key {{SENDGRID_KEY}} hit the daily limit",
    "npm publish uses {{NPM_TOKEN}} from the CI secrets, expired?",
    "//registry.npmjs.org/:_authToken={{NPM_TOKEN}} is in the repo .npmrc",
    "twine upload -u __token__ -p {{PYPI_TOKEN}} failed with 403",
    "PyPI token {{PYPI_TOKEN}} — project scoped or account wide?",
    "Authorization: Bearer {{JWT}} from the mobile client gets 401",
    "the session cookie value is {{JWT}}, how do I decode it?",
    "```\n{{PRIVATE_KEY}}\n```\nis this the deploy key we rotated?",
    "I pasted {{PRIVATE_KEY}} into the ticket by mistake",
    "DATABASE_URL=postgres://{{user}}:{{URL_PASSWORD}}@{{dbhost}}:5432/{{db}} in the compose file",
    "redis://default:{{URL_PASSWORD}}@cache.internal:6379/0 refuses connections",
    'db_password: "{{GENERIC_SECRET}}" is in values.yaml, move to sealed secrets?',
    "client_secret = '{{HEX_SECRET}}' for the OAuth app, where does it go?",
    "mailchimp key {{MAILCHIMP_KEY}} still works after the offboarding?",
    "square oauth secret {{SQUARE_KEY}} is in the old config repo",
    "discord bot token {{DISCORD_TOKEN}} leaked in the channel topic",
    "telegram bot {{TELEGRAM_TOKEN}} is spamming, revoke it",
    "DefaultEndpointsProtocol=https;AccountName=ops;{{AZURE_KEY}};EndpointSuffix=core.windows.net",
    "artifactory api key {{ARTIFACTORY_KEY}} for the build agents",
    "maps key {{GOOGLE_API_KEY}} has no referrer restriction",
    "HF_TOKEN={{HF_TOKEN}} pulls the private model, personal or org token?",
    "OPENAI_API_KEY={{OPENAI_KEY}} is billed to which org?",
    "slack app-level token {{SLACK_APP_TOKEN}} for socket mode, where is it stored?",
    "x-api-key: {{HEX_SECRET}} is what the partner sent us",
    "my password is {{GENERIC_SECRET}} and SSO still rejects it",
]

K_NEGATIVE_TEMPLATES: list[str] = [
    "2024-{{mm}}-{{dd}}T{{time}}:{{ss}}.{{ms}}Z INFO {{service}} request_id={{uuid}} status=200 took {{ms}}ms",
    "ERROR [{{service}}] connection refused to {{host}}:{{port}} after {{small}} retries",
    'Traceback (most recent call last):\n  File "/app/{{module}}.py", line {{line}}, in handle\n'
    "    return self._call(req)\nTimeoutError: timed out after {{small}}.{{ms}}s",
    "bumped {{pkg}} from {{version}} to {{version}} in {{sha}}",
    "`git cherry-pick {{sha}}` conflicts on {{module}}.py, who owns it?",
    "cron `{{cron}}` runs the cleanup, can we move it to 02:30?",
    "the image is {{registry}}/{{service}}:{{version}}@sha256:{{sha256}}",
    "price went from ${{price}} to ${{price}} per seat, is that the {{date}} change?",
    "p95 is {{ms}} ms, p99 {{big}} ms since build {{build}}",
    "disk usage {{small}}.{{small}} GB of {{big}} GB on {{host}}",
    "listen 0.0.0.0:{{port}} and 127.0.0.1:{{port}} — which one does nginx use?",
    "{{ticket}} and {{ticket}} both mention error {{errcode}}",
    "kubectl -n {{env}} scale deploy/{{service}} --replicas={{small}}",
    "order #{{big}} shipped on {{date}}, tracking {{tracking}}",
    "uuid {{uuid}} appears twice in the {{module}} table",
    "SELECT count(*) FROM events WHERE id > {{big}} AND ts < '{{date}} {{time}}:00'",
    "python {{py}} + {{pkg}} {{version}} segfaults on arm64",
    "timeout=30s retries=5 backoff=1.5 max_connections={{big}}",
    "run {{run}} of the nightly took {{small}}m{{small}}s (was {{small}}m)",
    "Release notes {{version}}: fixed {{ticket}}, {{ticket}}; {{small}} files changed, {{big}} insertions(+)",
    "memory limit {{big}}Mi, request {{big}}Mi, OOMKilled at {{time}}",
    "the float 3.14159265358979 prints as {{float}} after rounding",
    "{{host}} has {{small}} cores and {{big}} MB RAM, load average {{small}}.{{ms}}",
    "port range {{port}}-{{port}} is open on sg-{{hex8}}",
    "trace id {{hex32}} span {{hex16}} took {{ms}}ms",
    "the build number is {{big}}{{big}} and the artifact is {{service}}-{{version}}.tar.gz",
    "epoch {{epoch}} is {{date}} {{time}} UTC, right?",
    "what does exit code {{small}} mean for `{{service}}` on {{date}}?",
    "ISBN 978-3-16-148410-0 is the book I mentioned for the reading group",
    "coordinates 47.3769, 8.5417 go in the map widget config",
    "the CIDR 10.{{small}}.0.0/16 overlaps with the peering VPC",
    "ETA {{small}} days, budget {{price}} EUR, {{small}}% done",
    "line {{line}} of {{module}}.py: `retries = {{small}}  # see {{ticket}}`",
    "Docker image size dropped from {{big}} MB to {{big}} MB with the slim base",
    "benchmark: {{big}} req/s at {{small}} workers, {{ms}} ms p50",
    "version string is {{version}}+build.{{big}}, semver ok?",
    "phone-number validation fails for the field max_length={{small}}, see {{ticket}}",
    "call the /v2/{{module}} endpoint with page_size={{big}} and offset={{big}}",
    "the secret scanner flagged {{module}}.py line {{line}} but it is a test fixture",
    "who can review PR #{{big}}? it touches the password reset flow",
]

_NEG_SERVICES = ["billing-api", "search", "auth-gateway", "notifier", "ingest-worker", "web", "reports", "checkout"]
_MODULES = ["handlers", "models", "tasks", "views", "settings", "client", "orders", "users"]


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these digits get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


# (brand, IIN prefixes, lengths): the ranges of the major networks (ISO/IEC 7812 IINs as the networks publish them).
CARD_BRANDS: list[tuple[str, list[str], list[int]]] = [
    ("visa", ["4"], [13, 16, 16, 16, 19]),
    ("mastercard", [str(p) for p in range(51, 56)], [16]),
    ("mastercard2", [str(p) for p in range(2221, 2721, 7)], [16]),
    ("amex", ["34", "37"], [15]),
    ("discover", ["6011", "644", "645", "649", "65", "622126", "622925"], [16, 19]),
    ("diners", ["300", "305", "36", "38", "39"], [14, 16]),
    ("jcb", [str(p) for p in range(3528, 3590, 5)], [16, 17, 18, 19]),
    ("unionpay", ["62", "6212", "6250", "81"], [16, 17, 18, 19]),
    (
        "maestro",
        ["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763", "56", "58"],
        list(range(12, 20)),
    ),
    ("mir", ["2200", "2201", "2202", "2204"], [16]),
    ("rupay", ["60", "6521", "8172", "508"], [16]),
]


def _group_card(number: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.4:
        return number
    sep = rng.choice([" ", " ", "-"])
    n = len(number)
    if n == 15:
        groups = [4, 6, 5]
    elif n == 14:
        groups = [4, 6, 4]
    else:
        groups = [4] * (n // 4) + ([n % 4] if n % 4 else [])
    out, i = [], 0
    for g in groups:
        out.append(number[i : i + g])
        i += g
    return sep.join(out)


class HeldoutGenerator:
    """Values for the second-generation sets; fillers reuse the first generator's."""

    def __init__(self, seed: int) -> None:
        self.base = Generator(seed)
        self.rng = self.base.rng
        self.fakers = {loc: Faker(loc) for loc in LOCALES}
        self.iban_fakers = {loc: Faker(loc) for loc in ("en_GB", "de_CH", "fr_FR", "de_DE", "nl_NL", "es_ES", "it_IT")}
        self.us = self.fakers["en_US"]

    def loc(self) -> Faker:
        return self.fakers[self.rng.choice(LOCALES)]

    def chars(self, alphabet: str, n: int) -> str:
        return self.base.chars(alphabet, n)

    # --- PII --------------------------------------------------------------------------------------
    def card(self) -> str:
        _brand, prefixes, lengths = self.rng.choice(CARD_BRANDS)
        number = _luhn_complete(self.rng.choice(prefixes), self.rng.choice(lengths), self.rng)
        return _group_card(number, self.rng)

    def phone_local(self) -> str:
        for _ in range(50):
            number = self.loc().phone_number()
            if not number.lstrip("(").startswith(("+", "00")):
                return number
        return number

    def phone_intl(self) -> str:
        loc = self.rng.choice(LOCALES)
        cc = {"en_US": "1", "en_GB": "44", "de_CH": "41", "fr_FR": "33", "en_IN": "91"}[loc]
        if self.rng.random() < 0.3:  # as Faker writes it when it writes a country code
            for _ in range(50):
                number = self.fakers[loc].phone_number()
                if number.startswith("+"):
                    return number
        # a national significant number of that country, then one of the ways people write it
        nsn = {
            "en_US": lambda: f"{self.rng.randint(201, 989)}{self.rng.randint(200, 999)}{self.rng.randint(0, 9999):04d}",
            "en_GB": lambda: (
                self.rng.choice(["20", "113", "161", "7700", "7911"]) + self.chars(string.digits, 10)[: 10 - 2]
            ),
            "de_CH": lambda: (
                self.rng.choice(["44", "43", "31", "61", "53", "76", "78", "79"]) + self.chars(string.digits, 7)
            ),
            "fr_FR": lambda: self.rng.choice("1234567") + self.chars(string.digits, 8),
            "en_IN": lambda: self.rng.choice("6789") + self.chars(string.digits, 9),
        }[loc]()
        if loc == "en_GB":
            nsn = nsn[:10]
        groups = {
            "en_US": [3, 3, 4],
            "en_GB": [2, 4, 4] if nsn.startswith("20") else [4, 6],
            "de_CH": [2, 3, 2, 2],
            "fr_FR": [1, 2, 2, 2, 2],
            "en_IN": [5, 5],
        }[loc]
        parts, i = [], 0
        for g in groups:
            parts.append(nsn[i : i + g])
            i += g
        style = self.rng.randrange(7)
        if style == 0:
            return f"+{cc}{nsn}"
        if style == 1:
            return f"+{cc} " + " ".join(parts)
        if style == 2:
            return f"00{cc} " + " ".join(parts)
        if style == 3:
            return f"(+{cc}) " + " ".join(parts)
        if style == 4:
            return f"+{cc}-" + "-".join(parts)
        if style == 5 and loc != "en_US":
            return f"+{cc} (0)" + " ".join(parts)
        return f"+{cc}." + ".".join(parts)

    def phone(self) -> str:
        return self.phone_intl() if self.rng.random() < 0.5 else self.phone_local()

    def iban(self) -> str:
        iban = self.iban_fakers[self.rng.choice(sorted(self.iban_fakers))].iban()
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if self.rng.random() < 0.4 else iban

    def ip(self) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            return self.us.ipv4_public()
        if kind < 0.7:
            return self.us.ipv4_private()
        return self.us.ipv6()

    def ssn(self) -> str:
        return self.base.slot_US_SSN()

    def email(self) -> str:
        f = self.loc()
        return f.free_email() if self.rng.random() < 0.5 else f.company_email()

    # --- secrets ----------------------------------------------------------------------------------
    def secret(self, slot: str) -> tuple[str, str]:
        """(value, entity type) for a secret slot."""
        r = self.rng
        c = self.chars
        lower_alnum = string.ascii_lowercase + string.digits
        if slot == "AWS_ACCESS_KEY":
            return r.choice(["AKIA", "ASIA", "ABIA", "ACCA"]) + c(UPPER_DIGITS, 16), "AWS_ACCESS_KEY"
        if slot == "AWS_SECRET_KEY":
            return c(B64, 40), "AWS_SECRET_KEY"
        if slot == "SLACK_TOKEN":
            kind = r.choice(["xoxb", "xoxp", "xoxa", "xoxs", "hook"])
            if kind == "hook":
                return (
                    f"https://hooks.slack.com/services/T{c(UPPER_DIGITS, 10)}/B{c(UPPER_DIGITS, 10)}/{c(ALNUM, 24)}",
                    "SLACK_TOKEN",
                )
            return f"{kind}-{c(string.digits, 11)}-{c(string.digits, 12)}-{c(lower_alnum, 24)}", "SLACK_TOKEN"
        if slot == "SLACK_APP_TOKEN":
            return f"xapp-1-A{c(UPPER_DIGITS, 10)}-{c(string.digits, 13)}-{c(HEX, 64)}", "SLACK_TOKEN"
        if slot == "GITHUB_TOKEN":
            if r.random() < 0.25:
                return f"github_pat_11{c(UPPER_DIGITS, 20)}_{c(ALNUM, 59)}", "GITHUB_TOKEN"
            return r.choice(["ghp", "gho", "ghu", "ghs", "ghr"]) + "_" + c(ALNUM, 36), "GITHUB_TOKEN"
        if slot == "GITLAB_TOKEN":
            kind = r.choice(["glpat-", "gldt-", "glrt-", "glft-", "GR1348941", "glcbt-", "glptt-"])
            n = 40 if kind == "glptt-" else 20
            return kind + c(B64URL, n), "API_KEY"
        if slot == "STRIPE_KEY":
            return r.choice(["sk_live_", "rk_live_", "sk_test_"]) + c(ALNUM, 24), "API_KEY"
        if slot == "TWILIO_KEY":
            return r.choice(["AC", "SK"]) + c(HEX, 32), "API_KEY"
        if slot == "SENDGRID_KEY":
            return f"SG.{c(B64URL, 22)}.{c(B64URL, 43)}", "API_KEY"
        if slot == "NPM_TOKEN":
            return "npm_" + c(ALNUM, 36), "API_KEY"
        if slot == "PYPI_TOKEN":
            return "pypi-AgEIcHlwaS5vcmc" + c(B64URL, r.randint(70, 140)), "API_KEY"
        if slot == "MAILCHIMP_KEY":
            return f"{c(HEX, 32)}-us{r.randint(1, 21)}", "API_KEY"
        if slot == "SQUARE_KEY":
            return "sq0csp-" + c(B64URL, 43), "API_KEY"
        if slot == "DISCORD_TOKEN":
            return f"{r.choice('MNO')}{c(B64URL, 23)}.{c(B64URL, 6)}.{c(B64URL, 27)}", "API_KEY"
        if slot == "TELEGRAM_TOKEN":
            return f"{r.randint(10**8, 10**10 - 1)}:{c(B64URL, 35)}", "API_KEY"
        if slot == "AZURE_KEY":
            return "AccountKey=" + c(B64, 86) + "==", "API_KEY"
        if slot == "ARTIFACTORY_KEY":
            return "AKC" + c(ALNUM, r.randint(60, 73)), "API_KEY"
        if slot == "GOOGLE_API_KEY":
            return "AIza" + c(B64URL, 35), "API_KEY"
        if slot == "HF_TOKEN":
            return "hf_" + c(ALNUM, 34), "API_KEY"
        if slot == "OPENAI_KEY":
            if r.random() < 0.5:
                return f"sk-{c(ALNUM, 20)}T3BlbkFJ{c(ALNUM, 20)}", "API_KEY"
            return "sk-proj-" + c(B64URL, 120), "API_KEY"
        if slot == "JWT":
            return self.base.slot_JWT(), "JWT"
        if slot == "PRIVATE_KEY":
            if r.random() < 0.2:
                body = "\n".join(c(B64, 64) for _ in range(r.randint(2, 5)))
                label = r.choice(["PGP PRIVATE KEY BLOCK", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
                return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----", "PRIVATE_KEY"
            return self.base.slot_PRIVATE_KEY(), "PRIVATE_KEY"
        if slot == "URL_PASSWORD":
            return c(ALNUM, r.randint(10, 24)), "GENERIC_SECRET"
        if slot == "GENERIC_SECRET":
            return self.base.slot_GENERIC_SECRET(), "GENERIC_SECRET"
        if slot == "HEX_SECRET":
            return self.base.slot_HEX_SECRET(), "GENERIC_SECRET"
        raise KeyError(slot)

    # --- fillers ----------------------------------------------------------------------------------
    def filler(self, slot: str) -> str:
        r = self.rng
        simple = {
            "mm": lambda: f"{r.randint(1, 12):02d}",
            "dd": lambda: f"{r.randint(1, 28):02d}",
            "ss": lambda: f"{r.randint(0, 59):02d}",
            "ms": lambda: str(r.randint(1, 999)),
            "big": lambda: str(r.randint(100, 999_999)),
            "line": lambda: str(r.randint(1, 2000)),
            "module": lambda: r.choice(_MODULES),
            "host": lambda: r.choice(["db-1", "cache.internal", "api.example.net", "worker-7", "localhost"]),
            "cron": lambda: r.choice(["*/5 * * * *", "0 3 * * 1-5", "30 2 1 * *", "15 */2 * * *"]),
            "registry": lambda: r.choice(["ghcr.io/acme", "registry.gitlab.com/acme/ops", "docker.io/library"]),
            "sha256": lambda: self.chars(HEX, 64),
            "price": lambda: f"{r.randint(1, 999)}.{r.randint(0, 99):02d}",
            "tracking": lambda: "1Z" + self.chars(UPPER_DIGITS, 16),
            "py": lambda: f"3.{r.randint(8, 13)}.{r.randint(0, 12)}",
            "float": lambda: f"{r.random() * 1000:.6f}",
            "hex8": lambda: self.chars(HEX, 8),
            "hex16": lambda: self.chars(HEX, 16),
            "hex32": lambda: self.chars(HEX, 32),
            "epoch": lambda: str(r.randint(1_500_000_000, 1_900_000_000)),
            "run": lambda: f"#{r.randint(1, 99_999)}",
        }
        if slot in simple:
            return simple[slot]()
        if slot == "service":
            return r.choice(_NEG_SERVICES)
        return self.base.slots[slot]()

    def pe_value(self, slot: str) -> str:
        """A value for a presidio-evaluator slot."""
        if slot == "credit_card_number":
            return self.card()
        if slot == "phone_number":
            return self.phone()
        if slot == "email":
            return self.email()
        if slot == "iban":
            return self.iban()
        if slot == "ssn":
            return self.ssn()
        if slot == "ip_address":
            return self.ip()
        f = self.loc()
        special = {
            "person": f.name,
            "nation_woman": lambda: self.rng.choice(["Swiss", "French", "Indian", "British", "American"]),
            "nation_plural": lambda: self.rng.choice(["Swiss", "French", "Indians", "Britons", "Americans"]),
            "nationality": lambda: self.rng.choice(["Swiss", "French", "Indian", "British", "American"]),
            "age": lambda: str(self.rng.randint(18, 90)),
            "us_driver_license": lambda: self.us.bothify("?#######").upper(),
            "organization": f.company,
            "zipcode": f.postcode,
            "date_time": lambda: f.date_time().strftime("%Y-%m-%d %H:%M"),
            "date_of_birth": lambda: f.date_of_birth().isoformat(),
            "state_abbr": self.us.state_abbr,
            "first_name_nonbinary": f.first_name,
        }
        if slot in special:
            return special[slot]()
        try:
            return str(getattr(f, slot)())
        except AttributeError:  # not in that locale's providers (secondary_address, prefix_male…)
            return str(getattr(self.us, slot)())


_PE_SLOT = re.compile(r"\{\{(\w+)\}\}")
_K_SLOT_VALUE = {
    "CARD": ("card", "CREDIT_CARD"),
    "PHONE_INTL": ("phone_intl", "PHONE_NUMBER"),
    "PHONE_LOCAL": ("phone_local", "PHONE_NUMBER"),
    "EMAIL_ADDRESS": ("email", "EMAIL_ADDRESS"),
    "IBAN_CODE": ("iban", "IBAN_CODE"),
    "IP_ADDRESS": ("ip", "IP_ADDRESS"),
    "US_SSN": ("ssn", "US_SSN"),
}


def phone_has_country_code(value: str) -> bool:
    """Gold sub-label: the number is written with its country code (+CC…, (+CC)…, 00CC…)."""
    v = value.lstrip("( ")
    return v.startswith("+") or bool(re.match(r"00[1-9]", v))


def _render_slots(gen: HeldoutGenerator, template: str, value_for) -> tuple[str, list[dict]]:
    out, spans, pos, cursor = [], [], 0, 0
    for m in _PE_SLOT.finditer(template):
        literal = template[cursor : m.start()]
        out.append(literal)
        pos += len(literal)
        value, entity = value_for(m.group(1))
        out.append(value)
        if entity:
            span = {"entity_type": entity, "start": pos, "end": pos + len(value), "value": value}
            if entity == "PHONE_NUMBER":
                span["country_code"] = phone_has_country_code(value)
            spans.append(span)
        pos += len(value)
        cursor = m.end()
    out.append(template[cursor:])
    text = "".join(out)
    for s in spans:
        assert text[s["start"] : s["end"]] == s["value"]
    return text, spans


def _k_value(gen: HeldoutGenerator, slot: str) -> tuple[str, str | None]:
    if slot in _K_SLOT_VALUE:
        method, entity = _K_SLOT_VALUE[slot]
        return getattr(gen, method)(), entity
    if slot.isupper():
        return gen.secret(slot)
    return gen.filler(slot), None


def _pe_value(gen: HeldoutGenerator, slot: str) -> tuple[str, str | None]:
    return gen.pe_value(slot), PE_SLOT_ENTITY.get(slot)


def load_pe_templates(path: Path = PE_TEMPLATES) -> list[str]:
    lines = [ln.rstrip("\n") for ln in path.read_text(encoding="utf-8").splitlines()]
    return [ln.replace("\\n", "\n").replace("\\,", ",") for ln in lines if ln.strip() and not ln.startswith("#")]


def generate_k(
    which: str, n_pe_rounds: int = 3, k_rounds: int | None = None, n_negatives: int = 1000
) -> tuple[list, list]:
    """(labelled records, negative records) of the dev or held-out set."""
    seed = HELDOUT_SEED if which == "heldout" else DEV_SEED
    if k_rounds is None:
        k_rounds = 30 if which == "heldout" else 12
    gen = HeldoutGenerator(seed)
    parity = 1 if which == "heldout" else 0
    k_templates = [t for i, t in enumerate(K_TEMPLATES) if i % 2 == parity]
    neg_templates = [t for i, t in enumerate(K_NEGATIVE_TEMPLATES) if i % 2 == parity]
    jobs: list[tuple[str, str]] = [("k", t) for t in k_templates * k_rounds]
    if which == "heldout":
        jobs += [("pe", t) for t in load_pe_templates() * n_pe_rounds]
    gen.rng.shuffle(jobs)
    records = []
    for i, (kind, template) in enumerate(jobs, start=1):
        value_for = (lambda s: _k_value(gen, s)) if kind == "k" else (lambda s: _pe_value(gen, s))
        text, spans = _render_slots(gen, template, value_for)
        records.append({"id": f"{which}-{i:04d}", "source": kind, "text": text, "spans": spans})
    negatives = []
    for i in range(1, n_negatives + 1):
        text, _ = _render_slots(gen, gen.rng.choice(neg_templates), lambda s: (gen.filler(s), None))
        negatives.append({"id": f"{which}-neg-{i:04d}", "text": text, "spans": []})
    return records, negatives


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
