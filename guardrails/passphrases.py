"""A password written as plain lower-case words right after a password keyword: ``password: correcthorsebatterystaple``,
``my password is hunter``, ``pw: swordfish``, ``passphrase: tangerine-umbrella-lantern``, ``db password = opensesame``.

Every other password rule (``guardrails/secrets.py``) needs a digit, a symbol or entropy, because documentation —
the bot's main input — writes the same keywords before words that are no password: ``password: required``, ``the
password: field``, ``password is too short``, ``reset your password: go to settings``. The rule here tells them apart
by where the word stands and what word it is:

* **where** — right after ``password:`` / ``password =`` / ``pw:`` / ``"password": "…"`` (any of password, passwd,
  passphrase, pwd, pw, p/w, pass, also as the end of a key: ``DB_PASSWORD=``, ``PGPASSWORD=``, ``mysql.password:``),
  in an XML setting (``<password>…</password>``), or after "password is / was" in prose, or "to" where the password
  is being set ("I set the password to …", "… was changed to …"; a word rarer than RARE_ZIPF only, as a verb may
  follow); and the value must end there: at the end of the line, before punctuation, a closing quote or tag, a
  comment. An instruction goes on ("go to settings"), a password is said and left; a ``KEY=value`` with nothing
  around the "=" ends at its space ("PGPASSWORD=… psql …"). A value followed by more
  words counts only before a word that starts a new clause or a preposition ("… is swordfish and it fails",
  "password: opensesame in my.cnf"), and then only when it is a rare word: general-English Zipf frequency under 3
  after "password is" before a new clause ("swordfish", not "length and complexity"); under 1.5 — no English word,
  so no instruction nor a description — after a colon or an equals sign ("password: authenticate and retry") or
  before a preposition ("the password is gibberish after migration").
* **what** — one lower-case word of 6+ letters, or words joined by hyphens, that is not a function word, a word
  of documentation (types, placeholders, defaults, UI and error words, software that names its default password),
  a reference (it holds "pass", "secret", "hash"…), nor shaped like an adjective, participle or adverb ("hashed",
  "visible", "mandatory", "randomly") — the words that follow "password is" in documentation. A chain of three or
  more hyphenated words (or quoted words: ``"correct horse battery staple"``) is a passphrase unless one of them is
  a function word ("not-so-secret") or all of them are documentation words ("auto-generated-value"). No value that
  names a password or a key ("your-password-here", "super-secret-value") is one.
* **not code** — an unquoted identifier followed by ``,`` ``)`` ``}`` or ``;`` on a line with an opening bracket
  before the keyword is a variable (``login({email, password: candidate})``), not a literal.

A capitalised word told in a sentence ("my password is Swordfish", "… was Marigold, can you reset it?") is read as
the same word in lower case would be, after "is" / "was" written in lower case only: title case is a heading ("Your
Password Is Stored Encrypted").

Left out on purpose: capitalised words after a colon or "=" (a sentence starts after a colon: "Password: Enter your
password"; one capitalised word as the whole value, ``DB_PASSWORD=Swordfish``, is taken by
``guardrails/secrets.py``, which asks `names_no_capitalised_password` of it in lower case so that ``password:
Required`` stays), values
of under 6 letters ("pw: fish"), words with no separator ("password hunter"), and several words not joined by
hyphens nor quoted ("password: correct horse battery staple" reads like an instruction), and names of products
or services that are no documentation word here ("password: terraform" is redacted).
"""

from __future__ import annotations

from functools import lru_cache

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

SCORE = 0.8  # as password_word_then_value: a value named by a keyword, below the specific token formats
MIN_LENGTH = 6
# A value followed by more words counts only when it is rarer than this in general English: after "password is",
# and after a colon or an equals sign, where an instruction may start instead ("password: authenticate and retry").
RARE_ZIPF = 3.0
UNKNOWN_ZIPF = 1.5

# Function words of 2+ letters (a hyphenated part can be short) and words that never are a password after
# "password is": determiners, pronouns, auxiliaries, adverbs, prepositions, numbers.
_FUNCTION_WORDS = """
a about above across after afterwards again against all almost alone along already also although always am among
amongst an and another any anyhow anyone anything anyway anywhere are around as at be became because become becomes
becoming been before beforehand behind being below beside besides between beyond both but by can cannot could did do
does doing done down during each either else elsewhere enough even ever every everyone everything everywhere except
few for former formerly from further had has have he hence her here hereafter hereby herein hers herself him himself
his how however i if in indeed into is it its itself just last least less many may me meanwhile might mine more
moreover most mostly much must my myself namely neither never nevertheless next no nobody none noone nor not nothing
now nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own per perhaps
please quite rather really same several she should since so some somehow someone something sometime sometimes
somewhere still such than that the their theirs them themselves then thence there thereafter thereby therefore
therein these they this those though through throughout thru thus to together too toward towards under unless until
up upon us very via was we well were what whatever when whence whenever where whereas whereby wherein whether which
while who whoever whole whom whose why will with within without would yet you your yours yourself yourselves
actually currently literally simply basically usually typically normally generally exactly certainly probably
definitely apparently obviously supposedly
two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen
nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
use using used get got set go going make take put see let say tell ask try keep give
"""

# Words documentation writes after a password keyword that are no password: types and field words, placeholders and
# defaults, adjectives about passwords, UI places, error words, hashing schemes, and software or accounts whose
# name is their documented default password ("POSTGRES_PASSWORD: postgres").
_DOCUMENTATION_WORDS = """
string strings text varchar boolean integer number numeric object array list dict tuple bytes binary buffer
optional required mandatory nullable nonempty notnull readonly writeonly field fields value values column attribute
property parameter param params argument arguments option options setting settings input output entry record label
prompt dialog popup modal button screen window textbox textfield form forms widget page section column
default defaults example examples sample samples placeholder dummy fake mock testing tester demo foobar foobaz
lorem ipsum changeme changeit redacted omitted masked hidden secret secrets sensitive confidential private public
credential credentials username usernames login logins account accounts profile preferences dashboard console
portal security options menu settings
plaintext cleartext ciphertext plain clear encoded decoded unicode ascii lowercase uppercase alphanumeric
letters characters chars digits symbols numbers spaces whitespace special mixed
length minimum maximum policy policies complexity strength rules requirements requirement format pattern regex
expiry expiration rotation recovery reset change update confirm confirmation repeat retype verify verification
validation validator match matches mismatch
correct incorrect invalid valid wrong strong secure insecure unsafe random unique empty blank unknown unchanged
current previous latest original temporary permanent static dynamic global local manual automatic auto
obsolete unset absent present simple complex common obvious trivial strict legacy
longer shorter stronger weaker better worse safer easier harder simpler bigger smaller larger greater higher lower
newer older later earlier
hidden broken forgotten stolen written rewritten overwritten given chosen taken shown known frozen forbidden proven
mistaken
error errors failure failures timeout refused denied unauthorized forbidden expired locked required missing
authentication authorization command
bcrypt scrypt argon pbkdf sha md crypt salt salts pepper nonce digest hashing hashes kerberos ldap radius oauth saml
keyring keychain keystore truststore vault bitwarden vaultwarden dashlane doppler infisical sops netrc dotenv
getpass stdin stdout environment variable variables env config
configuration file files
admin administrator root superuser guest user users postgres postgresql mysql mariadb oracle tomcat jenkins
rabbitmq guest redis mongo mongodb docker vagrant ubuntu raspberry elastic kibana grafana airflow minio
minioadmin keycloak sonar nexus gitlab django flask celery github google microsoft azure openid okta onelogin
kubernetes kubectl terraform ansible
candidate payload body data request response result answer reply attempt guess entered typed submitted provided
supplied hashed salted derived generated
"""

# Parts of a value that make it a reference to a password, not one: "mypassword", "dbpass", "hashpw", "secretkey".
_REFERENCE_PART = regex.compile(
    r"pass(?!ion)|pwd|pw$|secret|hash|crypt|token|cred|cert|example|sample|dummy|placeholder|template|"
    r"(?:api|public|pub|private|priv|ssh|access|master)key|keyfile|keypair|checksum|pincode"
)
# Participles and adjectives: productive endings, whatever the word ("autofilled", "prefilled")…
_PARTICIPLE = regex.compile(r"(?:ed|able|ible)\Z")
# …adverbs and present participles when the stem is a known word ("randomly", "hashing"; not "butterfly", "pudding")
_ING_OR_LY = regex.compile(r"(?P<stem>[a-z]{3,}?)(?:ing|ally|ily|ly)\Z")
# …and endings of known words only (a made-up password may end in "-al": it is rare in general English).
_ADJECTIVE_OR_ABSTRACT = regex.compile(
    r"(?:al|ic|ive|ous|ful|less|ent|ant|ary|ory|tion|sion|ment|ness|ity|ize|ise|ify|ance|ence|ure)\Z"
)
_KNOWN_ZIPF = 2.0

# (an environment variable may glue its prefix to it in capitals: PGPASSWORD, not "bypass" nor "compass")
_KEY = r"(?:(?<![A-Za-z0-9])(?i:password|passwd|passphrase|pwd|pw|p/w|pass)|(?<=[A-Z])(?:PASSWORD|PASSWD))"
_PROSE_KEY = r"(?<![A-Za-z0-9])(?i:password|passwd|passphrase|pw)"
_ADVERB = r"(?:(?:now|still|just|currently|literally|actually|simply|really)[ \t]+)?"
# One word or words joined by hyphens; in quotes, words joined by spaces too ("correct horse battery staple").
_VALUE = r"(?:(?P<q>[\"'`])(?P<value>[a-z]+(?:[- ][a-z]+)*)(?=(?P=q))|(?P<value>[a-z]+(?:-[a-z]+)*))"
# "set the password to …", "the password was changed to …": "to" only where the password is being set ("the password
# to argocd" names what it opens), and as often followed by a verb ("set the password to expire"), so only a word
# rarer than RARE_ZIPF counts there.
_SET_VERB = r"(?i:set|sets|setting|change[sd]?|changing|reset|resets|resetting|update[sd]?|updating)"
_TO = (
    rf"(?:(?:(?i:is|was|has[ \t]+been|got)[ \t]+)?{_SET_VERB}[ \t]+|(?<=\b{_SET_VERB}\b[^\n]{{0,40}}?))"
    r"(?P<to>(?i:to))"
)
# A capitalised word told in a sentence ("my password is Swordfish"), read as the lower-case word would be; only
# after "is" / "was" in lower case: title case is a heading ("Your Password Is Stored Encrypted").
_CAPITALISED = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)*"
_CAPITALISED_VALUE = rf"(?:(?P<q>[\"'`])(?P<value>{_CAPITALISED})(?=(?P=q))|(?P<value>{_CAPITALISED}))"
# (tried first: "is now Sunflower" would otherwise take "now" as a lower-case value)
_CANDIDATE = regex.compile(
    rf"{_PROSE_KEY}[ \t]+(?:is|was)[ \t]+{_ADVERB}{_CAPITALISED_VALUE}"
    rf"|(?:{_KEY}[\"'`]?[ \t]*(?P<sep>:=|=>|==|=|:)[ \t]*|(?<=<|&lt;){_KEY}(?P<sep>>|&gt;)"
    rf"|{_PROSE_KEY}[ \t]+(?:{_TO}|(?i:is|was)[ \t]*:?)[ \t]+{_ADVERB})"
    rf"{_VALUE}"
)
# After the value: the end of the line, or punctuation / a closing quote, then a space or the end; or the closing
# tag of an XML setting (<password>…</password>, "&lt;password&gt;…&lt;/password&gt;" as Slack sends it).
_ENDS = regex.compile(r"[\"'`]?[.,;:!?)\]}\"'`]*(?:[ \t]|\Z)|</|&lt;/")
# …or a dash, a bracket or a comment set apart, as a comma would: "password: swordfish — why?", "… swordfish (the old
# one)", "password: swordfish  # old".
_ASIDE = regex.compile(r"[ \t]+(?:--?|—|–|\(|#|//)")
# A word that starts a new clause after a value said in passing: "… is swordfish and it still fails"…
_CLAUSE_TEXT = """
and but or so then because since though although why which when while yet if is isn't was wasn't does doesn't did
didn't don't won't can't cannot fails failed works worked anymore please thanks
"""
_CLAUSE_WORDS = frozenset(_CLAUSE_TEXT.split())
# …or a phrase, after a word that is no English word only ("password: opensesame in my.cnf"; "the password is
# gibberish after migration" tells what it looks like).
_PREPOSITION_TEXT = "in on at for from with before after until"
_PREPOSITIONS = frozenset(_PREPOSITION_TEXT.split())
# A verb made from a known one: "reauthenticate", "relogin", "unlock" — an instruction, not a password.
_VERB_PREFIX = regex.compile(r"(?:re|un|pre)(?P<stem>[a-z]{4,})\Z")


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_FUNCTION_WORDS.split()), frozenset(_DOCUMENTATION_WORDS.split())


def is_function_word(word: str) -> bool:
    """A word only a sentence holds ("to", "the", "with"…), never a value."""
    return word.lower() in _words()[0]


def names_no_capitalised_password(word: str) -> bool:
    """`word` (in lower case), written capitalised as the whole value of a setting ("DB_PASSWORD=Victory"), names no
    password: it is short, a word of documentation ("Required", "Hidden", "Postgres"), a reference ("Password"), a
    participle ("Encrypted") or a mask. The shape rules for prose (…ly, …ing, …al, …ity, …ful) are left out: they
    tell "the password is randomly generated" from a password, and a word standing alone in a setting is the value
    ("Lovely", "Family", "Victory", "Beautiful" are common passwords), as are the longer function words ("Whatever")."""
    _, documentation = _words()
    return (
        len(word) < MIN_LENGTH
        or word in documentation
        or bool(_REFERENCE_PART.search(word) or _PARTICIPLE.search(word))
        or len(set(word)) <= 2
    )


def reads_as_prose(word: str, next_word: str) -> bool:
    """``word next_word`` are words of a sentence, not a value then more of a command: a common English word in lower
    case (Zipf RARE_ZIPF or more) then a function word that starts no new clause ("redis-cli -a prints a warning",
    "… -a asks for the password"; not "… -a dragon and it fails", "… -a foobared ping")."""
    following = next_word.lower()
    return (
        word.isalpha()
        and word.islower()
        and following in _words()[0]
        and following not in _CLAUSE_WORDS
        and _zipf(word) >= RARE_ZIPF
    )


def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _says_something_else(word: str, function: frozenset[str], documentation: frozenset[str]) -> bool:
    """The word is one documentation writes after a password keyword (see the module docstring)."""
    if word in function or word in documentation or _REFERENCE_PART.search(word) or _PARTICIPLE.search(word):
        return True
    if len(set(word)) <= 2:  # "xxxxxxxx", "aaaaaa": a mask
        return True
    inflected = _ING_OR_LY.match(word)
    if inflected:
        stem = inflected.group("stem")
        # hashing, encoding (encode), getting (get), easily (easy), basically (basic), randomly (random)
        stems = (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem, stem + "y", stem + "al")
        if max(_zipf(s) for s in stems) >= _KNOWN_ZIPF + 0.5:
            return True
    if _ADJECTIVE_OR_ABSTRACT.search(word) and _zipf(word) >= _KNOWN_ZIPF:
        return True
    prefixed = _VERB_PREFIX.match(word)
    return bool(prefixed) and _zipf(prefixed.group("stem")) >= _KNOWN_ZIPF


def is_lowercase_password(value: str, *, said_in_passing: bool = False, rarer_than: float = RARE_ZIPF) -> bool:
    """`value` (lower-case letters, maybe joined by hyphens) after a password keyword is a password.
    ``said_in_passing``: more words follow it (only a word rarer than ``rarer_than`` or a passphrase counts then)."""
    function, documentation = _words()
    parts = regex.split(r"[- ]", value)
    if _REFERENCE_PART.search(value) or (" " in value and len(parts) < 3):  # "my-password", "seed phrase"
        return False
    if len(parts) >= 3:
        if len(value) < 2 * MIN_LENGTH - 2 or min(len(p) for p in parts) < 2:  # "x-y-z", "a-bc-d"
            return False  # a passphrase unless it says something ("not-so-secret", "auto-generated-value")
        return not any(p in function for p in parts) and not all(
            _says_something_else(p, function, documentation) for p in parts
        )
    if len(value) < MIN_LENGTH or any(len(p) < 3 for p in parts):
        return False
    if any(_says_something_else(p, function, documentation) for p in parts):
        return False
    return not said_in_passing or len(parts) > 1 or _zipf(value) < rarer_than


def find_lowercase_passwords(line: str) -> list[tuple[int, int]]:
    """Spans of the lower-case passwords in one line of text."""
    spans = []
    for m in _CANDIDATE.finditer(line):
        end = m.end("value")
        rest = line[end:]
        ending = _ENDS.match(rest)
        if ending is None:
            continue
        next_word = ""
        # KEY=value with nothing around the "=" (an .env line, a variable before a command: "PGPASSWORD=… psql")
        # ends at the space: no instruction is written so
        glued = m.group("sep") == "=" and not m.group("q") and m.start("sep") + 1 == m.start("value")
        glued = glued and not line[m.start("sep") - 1 : m.start("sep")].isspace()
        if not glued and not ending.group().strip() and not _ASIDE.match(rest) and rest.strip():  # more words come
            next_word = rest.split(None, 1)[0].lower()
            if next_word not in _CLAUSE_WORDS and next_word not in _PREPOSITIONS:
                continue
        quoted = bool(m.group("q"))
        if not quoted and m.group("sep") and _is_code_reference(line, m.start(), rest):
            continue
        rarer_than = UNKNOWN_ZIPF if m.group("sep") or next_word in _PREPOSITIONS else RARE_ZIPF
        said_in_passing = bool(next_word) or bool(m.group("to"))
        value = m.group("value").lower()
        if is_lowercase_password(value, said_in_passing=said_in_passing, rarer_than=rarer_than):
            spans.append((m.start("value"), end))
    return spans


def _is_code_reference(line: str, key_start: int, rest: str) -> bool:
    """``login({email, password: candidate})``: an unquoted identifier in a call or a literal is a variable."""
    return rest[:1] in {",", ")", "}", ";"} and any(c in line[:key_start] for c in "({[")


class LowercasePasswordRecognizer(EntityRecognizer):
    """GENERIC_SECRET: a password of plain lower-case words right after a password keyword (module docstring)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["GENERIC_SECRET"], name="LowercasePasswordRecognizer")

    def load(self) -> None:
        _words()

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        offset = 0
        for line in text.splitlines(keepends=True):
            for start, end in find_lowercase_passwords(line.rstrip("\r\n")):
                results.append(RecognizerResult("GENERIC_SECRET", offset + start, offset + end, SCORE))
            offset += len(line)
        return results
