"""Pure guard logic: PII/secret detection and redaction, grounding checks, honest "I don't know".

Nothing here touches the database, the network or Slack.
"""

import os

# tldextract (used by Presidio's email recognizer) must never fetch the public suffix list: it uses
# its bundled snapshot instead. Read when tldextract is first imported, hence here.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
