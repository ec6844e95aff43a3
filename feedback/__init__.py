"""Labels and prompt versions: what the team taught the bot, and which instructions/parameters are live."""
