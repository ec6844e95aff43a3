# ruff: noqa: E501  (hand-written cases: one answer per line reads better than wrapped strings)
"""Writes `heldout_click.jsonl` (split `test5`): hand-written grounding cases on the Click 8.1.7 docs.

    python bench/data/grounding/make_heldout_click.py

Every answer and label below was written by hand from the passage(s) of its group; the script only numbers
the cases, fills in the common fields and checks that each passage is verbatim in its parsed section (the
documents: the `docs` folder of the `click==8.1.7` sdist, fetched once into `bench/.cache/grounding-click/` —
the same fetch `bench/grounding_bench.py` uses).
"""

from __future__ import annotations

from pathlib import Path

from heldout_cases import COND, NAME, NEG, NUM, SCOPE, UNIT, Group, P, S, write_cases

OUT = Path(__file__).with_name("heldout_click.jsonl")
SET = "click"

WHY: list[Group] = [
    (
        "why.rst#Why Click?",
        [
            "Click actually implements its own parsing of arguments and does not use optparse or argparse following the optparse parsing behavior. The reason it's not based on argparse is that argparse does not allow proper nesting of commands by design and has some deficiencies when it comes to POSIX compliant argument handling."
        ],
        [
            (
                P,
                "Click does its own argument parsing rather than using optparse or argparse, though it follows optparse's parsing behavior.",
            ),
            (
                S,
                "Click isn't built on argparse because argparse can't properly nest commands by design and has gaps in POSIX-compliant argument handling.",
            ),
            (
                NAME,
                "Click isn't built on optparse because optparse can't properly nest commands by design and falls short on POSIX-compliant argument handling.",
            ),
            (NEG, "Click parses arguments with argparse under the hood, following the optparse parsing behavior."),
        ],
    ),
    (
        "why.rst#Why Click?",
        [
            "Click is designed to be fun and customizable but not overly flexible. For instance, the customizability of help pages is constrained. This constraint is intentional because Click promises multiple Click instances will continue to function as intended when strung together. Too much customizability would break this promise."
        ],
        [
            (
                P,
                "Click limits how much you can customize help pages on purpose, so that several Click instances keep working as intended when they're strung together.",
            ),
            (
                S,
                "Click aims to be fun and customizable without being overly flexible; too much customizability would break its promise that strung-together Click instances keep working.",
            ),
            (NEG, "Click constrains how far help pages can be customized, though that constraint isn't intentional."),
            (
                SCOPE,
                "Click is fun and customizable but not overly flexible: the customizability of every part of Click, from help pages to parsing, is constrained.",
            ),
        ],
    ),
    (
        "why.rst#Why Click?",
        [
            "Click was written to support the Flask microframework ecosystem because no tool could provide it with the functionality it needed."
        ],
        [
            (
                P,
                "Click was created to support the Flask microframework's ecosystem, since no existing tool offered the functionality it needed.",
            ),
            (S, "Click exists because nothing else could give the Flask ecosystem what it needed."),
            (
                NAME,
                "Click was written to support the Django ecosystem, since no tool could provide the functionality it needed.",
            ),
            (
                NEG,
                "Click was written for the Flask ecosystem, although several tools already provided the functionality it needed.",
            ),
        ],
    ),
    (
        "why.rst#Why not Argparse?",
        [
            "Click is internally based on optparse instead of argparse. This is an implementation detail that a user does not have to be concerned with. Click is not based on argparse because it has some behaviors that make handling arbitrary command line interfaces hard: * argparse has built-in behavior to guess if something is an argument or an option. This becomes a problem when dealing with incomplete command lines; the behaviour becomes unpredictable without full knowledge of a command line."
        ],
        [
            (
                P,
                "Internally Click builds on optparse rather than argparse, but that's an implementation detail you don't need to worry about.",
            ),
            (
                S,
                "Click avoids argparse partly because argparse guesses whether something is an argument or an option, which gets unpredictable with incomplete command lines.",
            ),
            (
                NAME,
                "Internally, Click is based on argparse rather than optparse; that's just an implementation detail.",
            ),
            (
                NEG,
                "That Click is based on optparse is something users need to keep in mind when they write their commands.",
            ),
            (
                COND,
                "argparse's guessing of whether something is an argument or an option only becomes a problem once the command line is complete.",
            ),
        ],
    ),
    (
        "why.rst#Why not Argparse?",
        [
            "argparse does not support disabling interspersed arguments. Without this feature, it's not possible to safely implement Click's nested parsing."
        ],
        [
            (
                P,
                "argparse can't disable interspersed arguments, and without that Click's nested parsing couldn't be implemented safely.",
            ),
            (
                S,
                "Click's nested parsing needs interspersed arguments to be switchable off, which argparse doesn't support.",
            ),
            (
                NEG,
                "argparse does support disabling interspersed arguments, yet Click's nested parsing still can't be implemented safely on it.",
            ),
        ],
    ),
    (
        "why.rst#Why not Docopt etc.?",
        [
            "Docopt, for instance, acts by parsing your help pages and then parsing according to those rules. The side effect of this is that docopt is quite rigid in how it handles the command line interface. The upside of docopt is that it gives you strong control over your help page; the downside is that due to this it cannot rewrap your output for the current terminal width, and it makes translations hard."
        ],
        [
            (
                P,
                "Docopt parses your help page and then parses the command line by those rules, which makes it fairly rigid.",
            ),
            (
                S,
                "docopt gives you strong control over the help page, but as a result it can't rewrap output to the terminal width and it makes translations hard.",
            ),
            (
                NEG,
                "Docopt gives you strong control over the help page and can also rewrap your output for the current terminal width.",
            ),
            (
                NAME,
                "Docopt parses your source code and then parses the command line according to those rules, so it's quite rigid.",
            ),
        ],
    ),
    (
        "why.rst#Why not Docopt etc.?",
        [
            "On top of that, docopt is restricted to basic parsing. It does not handle argument dispatching and callback invocation or types. This means there is a lot of code that needs to be written in addition to the basic help page to handle the parsing results."
        ],
        [
            (
                P,
                "docopt only does basic parsing; it doesn't handle argument dispatching, callback invocation or types.",
            ),
            (
                S,
                "Because docopt stops at basic parsing, you end up writing a lot of extra code beyond the help page to handle the results.",
            ),
            (
                SCOPE,
                "docopt is limited to basic parsing: it handles types, but not argument dispatching or callback invocation.",
            ),
            (NEG, "Besides basic parsing, docopt also takes care of argument dispatching and callback invocation."),
        ],
    ),
    (
        "why.rst#Why not Docopt etc.?",
        [
            "- Click has a strong understanding of what types are, and it can give the user consistent error messages if something goes wrong. A subcommand written by a different developer will not suddenly die with a different error message because it's manually handled. - Click has enough meta information available for its whole program to evolve over time and improve the user experience without forcing developers to adjust their programs. For instance, if Click decides to change how help pages are formatted, all Click programs will automatically benefit from this."
        ],
        [
            (
                P,
                "Since Click understands types, it can give users consistent error messages, so a subcommand from another developer won't suddenly die with a different message.",
            ),
            (
                S,
                "Click keeps enough meta information to improve the user experience over time without developers adjusting their programs: if it changes how help pages are formatted, every Click program benefits automatically.",
            ),
            (
                COND,
                "If Click changes how help pages are formatted, Click programs only benefit once their developers adjust their code.",
            ),
            (
                SCOPE,
                "Click's consistent error messages come from its understanding of types, though that only covers subcommands written by the same developer.",
            ),
        ],
    ),
    (
        "why.rst#Why Hardcoded Behaviors?",
        [
            "The biggest one is that too much configurability makes it hard to achieve a consistent command line experience. The best example for this is optparse's callback functionality for accepting an arbitrary number of arguments. Due to syntactical ambiguities on the command line, there is no way to implement fully variadic arguments."
        ],
        [
            (
                P,
                "The main reason is that too much configurability makes a consistent command line experience hard to achieve.",
            ),
            (
                S,
                "optparse's callbacks for accepting any number of arguments are the best example of configurability hurting consistency, and because the command line is syntactically ambiguous, fully variadic arguments can't be implemented.",
            ),
            (
                NAME,
                "The best example is argparse's callback functionality for accepting an arbitrary number of arguments.",
            ),
            (
                NEG,
                "With the right callbacks, fully variadic arguments can be implemented despite the command line's syntactic ambiguities.",
            ),
        ],
    ),
    (
        "why.rst#Why No Auto Correction?",
        [
            "The question came up why Click does not auto correct parameters given that even optparse and argparse support automatic expansion of long arguments. The reason for this is that it's a liability for backwards compatibility. If people start relying on automatically modified parameters and someone adds a new parameter in the future, the script might stop working."
        ],
        [
            (
                P,
                "Click doesn't auto-correct parameters, even though optparse and argparse both expand long arguments automatically, because that's a liability for backwards compatibility.",
            ),
            (
                S,
                "If users relied on auto-expanded parameters, adding a new parameter later could break their scripts, so Click leaves auto correction out.",
            ),
            (NEG, "Unlike Click, neither optparse nor argparse expands long arguments automatically."),
            (
                COND,
                "Scripts that rely on automatically modified parameters might stop working if someone removes a parameter in the future.",
            ),
            (NAME, "Click skips auto correction because it would be a liability for performance."),
        ],
    ),
    (
        "why.rst#Why No Auto Correction?",
        [
            "These kinds of problems are hard to find, so Click does not attempt to be magical about this. This sort of behavior however can be implemented on a higher level to support things such as explicit aliases."
        ],
        [
            (
                P,
                "Since these problems are hard to track down, Click doesn't try to be magical here, though you can build such behavior at a higher level, for example for explicit aliases.",
            ),
            (
                S,
                "Auto correction isn't built into Click, but explicit aliases and similar behavior can be implemented on top of it.",
            ),
            (NEG, "This kind of behavior can't be implemented on a higher level, so explicit aliases aren't possible."),
        ],
    ),
]

UNICODE: list[Group] = [
    (
        "unicode-support.rst#Unicode Support",
        [
            "The command line in Unix is traditionally bytes, not Unicode. While there are encoding hints, there are some situations where this can break. The most common one is SSH connections to machines with different locales. Misconfigured environments can cause a wide range of Unicode problems due to the lack of support for roundtripping surrogate escapes. This will not be fixed in Click itself!"
        ],
        [
            (
                P,
                "On Unix the command line has traditionally been bytes rather than Unicode, and despite encoding hints this can break, most often with SSH connections to machines using different locales.",
            ),
            (
                S,
                "Misconfigured environments cause lots of Unicode problems because roundtripping surrogate escapes isn't supported, and Click itself won't fix that.",
            ),
            (NAME, "On Windows the command line is traditionally bytes, not Unicode."),
            (
                NEG,
                "The problems with roundtripping surrogate escapes in misconfigured environments are going to be fixed in Click itself.",
            ),
            (
                SCOPE,
                "There are encoding hints, but the only situation where this breaks is SSH connections to machines with different locales.",
            ),
        ],
    ),
    (
        "unicode-support.rst#Unicode Support",
        [
            "Standard input and output is opened in text mode by default. Click has to reopen the stream in binary mode in certain situations. Because there is no standard way to do this, it might not always work. Primarily this can become a problem when testing command-line applications."
        ],
        [
            (
                P,
                "Stdin and stdout are opened in text mode by default, and Click sometimes has to reopen them in binary mode.",
            ),
            (
                S,
                "There's no standard way to reopen a stream in binary mode, so it might not always work, which mostly causes trouble when you test command-line applications.",
            ),
            (
                NAME,
                "Standard input and output are opened in binary mode by default, and Click sometimes has to reopen them in text mode.",
            ),
            (SCOPE, "Click reopens the standard streams in binary mode whenever it reads input."),
        ],
    ),
    (
        "unicode-support.rst#Unicode Support",
        [
            "sys.argv is always text. This means that the native type for input values to the types in Click is Unicode, not bytes. This causes problems if the terminal is incorrectly set and Python does not figure out the encoding. In that case, the Unicode string will contain error bytes encoded as surrogate escapes."
        ],
        [
            (
                P,
                "Since sys.argv is always text, the native type of input values for Click's types is Unicode, not bytes.",
            ),
            (
                S,
                "When the terminal is set incorrectly and Python can't work out the encoding, the Unicode strings contain error bytes encoded as surrogate escapes.",
            ),
            (NAME, "Since sys.stdin is always text, the native type for input values to Click's types is Unicode."),
            (
                COND,
                "Unicode input causes problems even when the terminal is set correctly and Python figures out the encoding.",
            ),
        ],
    ),
    (
        "unicode-support.rst#Unicode Support",
        [
            "When dealing with files, Click will always use the Unicode file system API by using the operating system's reported or guessed filesystem encoding. Surrogates are supported for filenames, so it should be possible to open files through the File type even if the environment is misconfigured."
        ],
        [
            (
                P,
                "For files, Click always uses the Unicode file system API with the OS's reported or guessed filesystem encoding.",
            ),
            (
                S,
                "Because surrogates are supported in filenames, you should be able to open files through the File type even in a misconfigured environment.",
            ),
            (
                NEG,
                "Surrogates aren't supported for filenames, so opening files through the File type can fail when the environment is misconfigured.",
            ),
            (COND, "Files can be opened through the File type as long as the environment is configured correctly."),
        ],
    ),
    (
        "unicode-support.rst#Surrogate Handling",
        [
            "The biggest source of frustration is that Click scripts invoked by init systems, deployment tools, or cron jobs will refuse to work unless a Unicode locale is exported. If Click encounters such an environment it will prevent further execution to force you to set a locale."
        ],
        [
            (
                P,
                "Click scripts started by init systems, deployment tools or cron jobs won't work unless a Unicode locale has been exported.",
            ),
            (
                S,
                "When Click finds itself in such an environment, it stops execution to force you to set a locale, which is the biggest source of frustration for scripts run from cron or init systems.",
            ),
            (COND, "Click scripts invoked by cron jobs refuse to work if a Unicode locale is exported."),
            (NEG, "If Click runs into such an environment, it warns you but carries on executing."),
            (
                NAME,
                "Click scripts invoked by init systems, deployment tools or systemd timers refuse to work unless a Unicode locale is exported.",
            ),
        ],
    ),
    (
        "unicode-support.rst#Surrogate Handling",
        [
            "If you are on a US machine, en_US.utf-8 is the encoding of choice. On some newer Linux systems, you could also try C.UTF-8 as the locale:: export LC_ALL=C.UTF-8 export LANG=C.UTF-8 On some systems it was reported that UTF-8 has to be written as UTF8 and vice versa. To see which locales are supported you can invoke locale -a."
        ],
        [
            (
                P,
                "On a US machine, en_US.utf-8 is the encoding to use, and some newer Linux systems also let you try C.UTF-8.",
            ),
            (
                S,
                "Run locale -a to see which locales are supported; on some systems UTF-8 has to be spelled UTF8, or the other way round.",
            ),
            (NAME, "On a US machine the encoding of choice is de_DE.utf-8."),
            (NAME, "To see which locales are supported, run locale -l."),
            (SCOPE, "On all Linux systems you can also use C.UTF-8 as the locale."),
        ],
    ),
    (
        "unicode-support.rst#Surrogate Handling",
        [
            "You need to export the values before you invoke your Python script. In Python 3.7 and later you will no longer get a RuntimeError in many cases thanks to 538 and 540, which changed the default assumption in unconfigured environments. This doesn't change the general issue that your locale may be misconfigured."
        ],
        [
            (P, "The locale values have to be exported before you run your Python script."),
            (
                S,
                "From Python 3.7 on, 538 and 540 changed the default assumption in unconfigured environments, so in many cases you won't get a RuntimeError anymore, though your locale may still be misconfigured.",
            ),
            (
                NUM,
                "From Python 3.8 on, 538 and 540 mean you usually won't get a RuntimeError in unconfigured environments.",
            ),
            (COND, "You need to export the values after you start your Python script."),
            (
                SCOPE,
                "Since Python 3.7 you'll never get a RuntimeError in unconfigured environments, thanks to 538 and 540.",
            ),
        ],
    ),
]

UPGRADING: list[Group] = [
    (
        "upgrading.rst#Upgrading to 7.0",
        [
            'Commands that take their name from the decorated function now replace underscores with dashes. For example, the Python function run_server will get the command name run-server now. There are a few options to address this: - To continue with the new behavior, pin your dependency to Click>=7 and update any documentation to use dashes. - To keep existing behavior, add an explicit command name with underscores, like @click.command("run_server").'
        ],
        [
            (
                P,
                "Commands named after their decorated function now swap underscores for dashes, so run_server becomes the run-server command.",
            ),
            (
                S,
                'To keep the old underscore names, give the command an explicit name like @click.command("run_server"); to go with dashes, pin Click>=7 and update your docs.',
            ),
            (
                NAME,
                "Commands named after their function now replace dashes with underscores, so run-server becomes run_server.",
            ),
            (
                NUM,
                "To continue with the new behavior, pin your dependency to Click>=8 and update the documentation to use dashes.",
            ),
        ],
    ),
    (
        "upgrading.rst#Context Invokes",
        [
            "Click 3.2 contains a fix for the Context.invoke function when used with other commands.",
            "Given that this pattern was never documented and ill intended the decision was made to change this behavior in a bugfix release before it spreads by accident and developers depend on it.",
        ],
        [
            (P, "Click 3.2 fixed Context.invoke for when it's used with other commands."),
            (
                S,
                "Because the pattern was undocumented and ill-intended, the behavior was changed in a bugfix release before developers came to depend on it.",
            ),
            (NUM, "Click 3.1 includes a fix for Context.invoke when it's used with other commands."),
            (NAME, "Click 3.2 fixes the Context.forward function when it's used with other commands."),
            (COND, "The behavior was changed in a bugfix release after developers had started to depend on it."),
        ],
    ),
    (
        "upgrading.rst#Multicommand Chaining API",
        [
            "Click 3 introduced multicommand chaining. This required a change in how Click internally dispatches.",
            "As such this functionality has been removed in 3.2 as it was already broken. Instead the accidentally broken functionality of the Context.invoked_subcommand attribute was restored.",
        ],
        [
            (P, "Multicommand chaining arrived in Click 3 and changed how Click dispatches internally."),
            (
                S,
                "The functionality was removed in 3.2 since it was already broken, and Context.invoked_subcommand, which had broken by accident, was restored instead.",
            ),
            (NUM, "That functionality was removed in Click 3.1 because it was already broken."),
            (NAME, "Instead, the accidentally broken Context.result_callback attribute was restored."),
            (NEG, "The functionality wasn't broken, but it was removed in 3.2 anyway."),
        ],
    ),
    (
        "upgrading.rst#Upgrading to 2.0",
        [
            "Click 2.0 has one breaking change which is the signature for parameter callbacks. Before 2.0, the callback was invoked with (ctx, value) whereas now it's (ctx, param, value). This change was necessary as it otherwise made reusing callbacks too complicated. To ease the transition Click will still accept old callbacks. Starting with Click 3.0 it will start to issue a warning to stderr to encourage you to upgrade."
        ],
        [
            (
                P,
                "The one breaking change in Click 2.0 is the parameter callback signature: callbacks used to get (ctx, value) and now get (ctx, param, value).",
            ),
            (
                S,
                "Click moved callbacks to (ctx, param, value) because reusing them was too complicated otherwise; old callbacks are still accepted, but from 3.0 on Click warns on stderr so you'll upgrade.",
            ),
            (NUM, "Click 2.0 has two breaking changes, the main one being the signature of parameter callbacks."),
            (NUM, "Starting with Click 4.0, old-style callbacks trigger a warning on stderr."),
            (NAME, "From Click 3.0 on, old callbacks make Click print a warning to stdout."),
            (NEG, "To keep things simple, Click no longer accepts old-style callbacks."),
        ],
    ),
]

EXCEPTIONS: list[Group] = [
    (
        "exceptions.rst#Where are Errors Handled?",
        [
            "Click's main error handling is happening in BaseCommand.main. In there it handles all subclasses of ClickException as well as the standard EOFError and KeyboardInterrupt exceptions. The latter are internally translated into an Abort."
        ],
        [
            (
                P,
                "Click does its main error handling in BaseCommand.main, which deals with every ClickException subclass plus EOFError and KeyboardInterrupt.",
            ),
            (S, "BaseCommand.main handles Click's exceptions and turns EOFError and KeyboardInterrupt into an Abort."),
            (
                NAME,
                "Click's main error handling happens in Context.invoke, which handles all ClickException subclasses.",
            ),
            (SCOPE, "BaseCommand.main translates every exception it handles, ClickExceptions included, into an Abort."),
            (NAME, "EOFError and KeyboardInterrupt are translated internally into a UsageError."),
        ],
    ),
    (
        "exceptions.rst#Where are Errors Handled?",
        [
            "2. If a ClickException is raised, invoke the ClickException.show method on it to display it and then exit the program with ClickException.exit_code. 3. If an Abort exception is raised print the string Aborted! to standard error and exit the program with exit code 1. 4. If it goes through well, exit the program with exit code 0."
        ],
        [
            (
                P,
                "When a ClickException is raised, Click calls its show method to display it and exits with the exception's exit_code.",
            ),
            (
                S,
                'An Abort makes Click print "Aborted!" to stderr and exit with code 1; if everything goes well it exits with 0.',
            ),
            (NUM, "On an Abort, Click prints Aborted! to standard error and exits with code 2."),
            (NAME, "On an Abort, Click prints Aborted! to standard output and exits with code 1."),
        ],
    ),
    (
        "exceptions.rst#What if I don't want that?",
        [
            "In this case exceptions will not be handled at all and bubbled up as you would expect. Starting with Click 3.0 you can also use the Command.main method but disable the standalone mode which will do two things: disable exception handling and disable the implicit sys.exit at the end."
        ],
        [
            (P, "In that case exceptions aren't handled at all; they just bubble up as you'd expect."),
            (
                S,
                "Since Click 3.0 you can call Command.main with standalone mode disabled, which turns off exception handling and the implicit sys.exit at the end.",
            ),
            (NUM, "Since Click 2.0 you can turn off standalone mode in Command.main."),
            (SCOPE, "Disabling standalone mode only turns off the implicit sys.exit at the end."),
            (NEG, "Even in that case Click still handles the exceptions for you."),
        ],
    ),
    (
        "exceptions.rst#Which Exceptions Exist?",
        [
            "Click has two exception bases: ClickException which is raised for all exceptions that Click wants to signal to the user and Abort which is used to instruct Click to abort the execution. A ClickException has a ~ClickException.show method which can render an error message to stderr or the given file object."
        ],
        [
            (
                P,
                "Click has two base exceptions: ClickException for everything it wants to signal to the user, and Abort to tell Click to abort execution.",
            ),
            (S, "ClickException's show method renders the error message to stderr or to a file object you pass."),
            (NUM, "Click has three exception bases, including ClickException and Abort."),
            (
                NAME,
                "Abort is raised for all exceptions Click wants to signal to the user, while ClickException instructs Click to abort execution.",
            ),
            (NAME, "A ClickException's render method can write an error message to stderr or a given file object."),
        ],
    ),
    (
        "exceptions.rst#Which Exceptions Exist?",
        [
            "* UsageError to inform the user that something went wrong. * BadParameter to inform the user that something went wrong with a specific parameter. These are often handled internally in Click and augmented with extra information if possible. For instance if those are raised from a callback Click will automatically augment it with the parameter name if possible. * FileError this is an error that is raised by the FileType if Click encounters issues opening the file."
        ],
        [
            (P, "BadParameter tells the user that something went wrong with one specific parameter."),
            (
                S,
                "When these errors are raised from a callback, Click adds the parameter name automatically where it can; FileError comes from FileType when a file can't be opened.",
            ),
            (NAME, "FileError is raised by the Path type when Click has trouble opening the file."),
            (SCOPE, "These errors are always handled internally in Click and augmented with extra information."),
            (COND, "Click adds the parameter name to these errors only if they're raised outside a callback."),
        ],
    ),
]

WINDOWS: list[Group] = [
    (
        "wincmd.rst#Unicode Arguments",
        [
            "This caused some problems on Windows where initially the wrong encoding was used and garbage ended up in your input data. We not only fixed the encoding part, but we also now extract unicode parameters from sys.argv. There is also another limitation with this: if sys.argv was modified prior to invoking a click handler, we have to fall back to the regular byte input in which case not all unicode values are available but only a subset of the codepage used for parameters."
        ],
        [
            (
                P,
                "On Windows the wrong encoding used to be used, so garbage ended up in input data; that's been fixed, and unicode parameters are now extracted from sys.argv.",
            ),
            (
                S,
                "If sys.argv is modified before a click handler runs, Click falls back to byte input, so only a subset of the codepage is available for parameters.",
            ),
            (
                COND,
                "If sys.argv is modified after a click handler has been invoked, Click has to fall back to regular byte input.",
            ),
            (SCOPE, "When Click falls back to byte input, all unicode values are still available."),
            (NAME, "Unicode parameters are now extracted from sys.stdin."),
        ],
    ),
    (
        "wincmd.rst#Unicode Output and Input",
        [
            "If no Windows console is present then the text output stream is returned as such and the encoding for that stream is set to utf-8 like on all platforms. However if a console is connected the stream will instead be emulated and use the cmd.exe unicode APIs to output text information. In this case the stream will also use utf-16-le as internal encoding."
        ],
        [
            (
                P,
                "Without a Windows console, the text output stream is returned as is, with its encoding set to utf-8 like on every platform.",
            ),
            (
                S,
                "With a Windows console attached, the stream is emulated through the cmd.exe unicode APIs and uses utf-16-le internally.",
            ),
            (NAME, "When a console is connected, the emulated stream uses utf-8 as its internal encoding."),
            (COND, "If no Windows console is present, the stream is emulated using the cmd.exe unicode APIs."),
        ],
    ),
    (
        "wincmd.rst#Unicode Output and Input",
        [
            "This unicode support is limited to click.echo, click.prompt as well as click.get_text_stream.",
            "The raw output stream is set to binary mode, which is a global operation on Windows, so print calls will be affected. Prefer click.echo over print. * On Windows 7 and below, there is a limitation where at most 64k characters can be written in one call in binary mode.",
        ],
        [
            (P, "Only click.echo, click.prompt and click.get_text_stream get this unicode support."),
            (
                S,
                "Setting the raw output stream to binary mode is global on Windows and affects print too, so prefer click.echo; on Windows 7 and older, binary mode allows at most 64k characters per call.",
            ),
            (NUM, "On Windows 8 and below, at most 64k characters can be written in one call in binary mode."),
            (UNIT, "On Windows 7 and below, at most 64 KB can be written in one call in binary mode."),
            (
                SCOPE,
                "This unicode support covers every Click function that writes output, like click.echo and click.prompt.",
            ),
            (NUM, "On Windows 7 and below, at most 32k characters can go out in a single binary-mode call."),
        ],
    ),
    (
        "wincmd.rst#Unicode Output and Input",
        [
            "Another important thing to note is that the Windows console's default fonts do not support a lot of characters which means that you are mostly limited to international letters but no emojis or special characters."
        ],
        [
            (
                P,
                "The Windows console's default fonts don't support many characters, so you're mostly limited to international letters, with no emojis or special characters.",
            ),
            (
                S,
                "With the default Windows console fonts, emojis and special characters won't show; you mostly get international letters.",
            ),
            (NEG, "The Windows console's default fonts support emojis, though many special characters are missing."),
        ],
    ),
]

TESTING: list[Group] = [
    (
        "testing.rst#Testing Click Applications",
        [
            "For basic testing, Click provides the click.testing module which provides test functionality that helps you invoke command line applications and check their behavior. These tools should really only be used for testing as they change the entire interpreter state for simplicity and are not in any way thread-safe!"
        ],
        [
            (
                P,
                "The click.testing module gives you tools to invoke command line applications and check how they behave.",
            ),
            (
                S,
                "Use click.testing's tools only for tests: for simplicity they change the whole interpreter state, and they aren't thread-safe at all.",
            ),
            (
                NEG,
                "The click.testing tools are thread-safe, but they change the entire interpreter state, so keep them to tests.",
            ),
            (SCOPE, "The testing tools change part of the interpreter state for simplicity and aren't thread-safe."),
            (NAME, "For basic testing Click ships the click.testutils module."),
        ],
    ),
    (
        "testing.rst#Basic Testing",
        [
            "The basic functionality for testing Click applications is the CliRunner which can invoke commands as command line scripts. The CliRunner.invoke method runs the command line script in isolation and captures the output as both bytes and binary data. The return value is a Result object, which has the captured output data, exit code, and optional exception attached:"
        ],
        [
            (
                P,
                "CliRunner is the basic tool for testing Click apps; it invokes commands as if they were command line scripts.",
            ),
            (
                S,
                "CliRunner.invoke runs the script in isolation, captures its output, and returns a Result with the output, the exit code and any exception.",
            ),
            (
                NAME,
                "CliRunner.invoke returns a Context object holding the captured output, the exit code and an optional exception.",
            ),
            (SCOPE, "The Result object has the captured output and the exit code attached, but not the exception."),
        ],
    ),
    (
        "testing.rst#Basic Testing",
        [
            "For subcommand testing, a subcommand name must be specified in the args parameter of CliRunner.invoke method:",
            "Additional keyword arguments passed to .invoke() will be used to construct the initial Context object. For example, if you want to run your tests against a fixed terminal width you can use the following::",
        ],
        [
            (P, "To test a subcommand, you have to pass its name in the args parameter of CliRunner.invoke."),
            (
                S,
                "Extra keyword arguments to invoke() are used to build the initial Context, which lets you run tests at a fixed terminal width, for example.",
            ),
            (NAME, "To test a subcommand, pass its name in the env parameter of CliRunner.invoke."),
            (NEG, "You don't have to put the subcommand name in args when testing a subcommand."),
            (NAME, "Extra keyword arguments to .invoke() are used to build the Result object."),
        ],
    ),
    (
        "testing.rst#File System Isolation",
        [
            "For basic command line tools with file system operations, the CliRunner.isolated_filesystem method is useful for setting the current working directory to a new, empty folder.",
            "Pass temp_dir to control where the temporary directory is created. The directory will not be removed by Click in this case. This is useful to integrate with a framework like Pytest that manages temporary files.",
        ],
        [
            (
                P,
                "CliRunner.isolated_filesystem sets the current working directory to a new, empty folder, which helps with tools that touch the file system.",
            ),
            (
                S,
                "If you pass temp_dir you decide where the temporary directory goes, and Click won't remove it then, which fits frameworks like Pytest that manage temporary files.",
            ),
            (NEG, "When you pass temp_dir, Click removes the directory once it's done."),
            (NAME, "Pass base_dir to choose where the temporary directory is created."),
            (COND, "Click only leaves the directory in place if you don't pass temp_dir."),
        ],
    ),
    (
        "testing.rst#Input Streams",
        [
            "The test wrapper can also be used to provide input data for the input stream (stdin). This is very useful for testing prompts, for instance:",
            "Note that prompts will be emulated so that they write the input data to the output stream as well. If hidden input is expected then this obviously does not happen.",
        ],
        [
            (P, "The test wrapper can also feed input data to stdin, which is handy when you test prompts."),
            (
                S,
                "Prompts are emulated so the input data also shows up in the output stream, except when hidden input is expected.",
            ),
            (COND, "Emulated prompts write the input data to the output stream only when hidden input is expected."),
            (NAME, "The test wrapper can supply input data through stderr, which is useful for testing prompts."),
        ],
    ),
]

SETUPTOOLS: list[Group] = [
    (
        "setuptools.rst#Setuptools Integration",
        [
            "When writing command line utilities, it's recommended to write them as modules that are distributed with setuptools instead of using Unix shebangs.",
            "The first module is not called by its actual name, but the interpreter renames it to __main__. While that is a perfectly valid name it means that if another piece of code wants to import from that module it will trigger the import a second time under its real name and all of a sudden your code is imported twice.",
        ],
        [
            (
                P,
                "It's recommended to ship command line utilities as modules distributed with setuptools rather than relying on Unix shebangs.",
            ),
            (
                S,
                "The interpreter renames the first module to __main__, so if other code imports from it, it's imported a second time under its real name and your code ends up loaded twice.",
            ),
            (NAME, "The interpreter renames the first module it loads to __init__."),
            (
                NUM,
                "If other code imports from that module, the import is triggered again and your code ends up imported three times.",
            ),
            (NEG, "The recommendation is to use Unix shebangs rather than distributing utilities with setuptools."),
        ],
    ),
    (
        "setuptools.rst#Setuptools Integration",
        [
            "On Linux and OS X you can add a comment to the beginning of the file (#!/usr/bin/env python) and your script works like an executable (assuming it has the executable bit set). This however does not work on Windows."
        ],
        [
            (
                P,
                "On Linux and OS X, a #!/usr/bin/env python comment at the top makes your script work like an executable, as long as the executable bit is set.",
            ),
            (S, "The shebang trick works on Linux and OS X if the file is executable, but not on Windows."),
            (
                NAME,
                "On Linux and Windows you can add a #!/usr/bin/env python comment at the start of the file to make the script executable.",
            ),
            (COND, "The shebang makes your script work like an executable even without the executable bit set."),
            (NEG, "Adding the shebang comment works on Windows too."),
        ],
    ),
    (
        "setuptools.rst#Setuptools Integration",
        [
            "In fact running a script in a virtualenv is an issue with OS X and Linux as well. With the traditional approach you need to have the whole virtualenv activated so that the correct Python interpreter is used. Not very user friendly. 3. The main trick only works if the script is a Python module. If your application grows too large and you want to start using a package you will run into issues."
        ],
        [
            (
                P,
                "With the traditional approach you have to activate the whole virtualenv so the right Python interpreter is used, which isn't very user friendly.",
            ),
            (
                S,
                "The main trick only works for a script that's a Python module, so once your app grows and you move to a package you'll hit problems.",
            ),
            (NAME, "The main trick only works if the script is part of a Python package."),
            (SCOPE, "Running a script in a virtualenv is only an issue on Windows."),
            (
                NEG,
                "With the traditional approach you don't need the virtualenv activated for the correct Python interpreter to be used.",
            ),
        ],
    ),
    (
        "setuptools.rst#Introduction",
        [
            "To bundle your script with setuptools, all you need is the script in a Python package and a setup.py file.",
            "The magic is in the entry_points parameter. Below console_scripts, each line identifies one console script. The first part before the equals sign (=) is the name of the script that should be generated, the second part is the import path followed by a colon (:) with the Click command. That's it.",
        ],
        [
            (P, "Bundling a script with setuptools just needs the script in a Python package plus a setup.py file."),
            (
                S,
                "In entry_points, each console_scripts line defines one script: the part before the = is the generated script's name, and after it comes the import path, a colon and the Click command.",
            ),
            (
                NAME,
                "The magic is in the install_requires parameter, where each console_scripts line identifies one console script.",
            ),
            (NAME, "The second part is the import path followed by a semicolon and then the Click command."),
            (
                COND,
                "The part after the equals sign is the name of the generated script, and the part before it is the import path.",
            ),
        ],
    ),
    (
        "setuptools.rst#Scripts in Packages",
        [
            "In this case instead of using py_modules in your setup.py file you can use packages and the automatic package finding support of setuptools. In addition to that it's also recommended to include other package data."
        ],
        [
            (
                P,
                "For a package you can use packages and setuptools' automatic package finding in setup.py instead of py_modules.",
            ),
            (
                S,
                "Once your script lives in a package, switch setup.py from py_modules to packages with automatic package finding, and it's recommended to include other package data too.",
            ),
            (NAME, "Instead of packages, you use py_modules and setuptools' automatic module finding."),
            (NEG, "It's recommended not to include other package data."),
        ],
    ),
]

PARAMETERS: list[Group] = [
    (
        "parameters.rst#Parameters",
        [
            "Click supports two types of parameters for scripts: options and arguments.",
            "As its name indicates, an option is optional. While arguments can be optional within reason, they are much more restricted in how optional they can be. To help you decide between options and arguments, the recommendation is to use arguments exclusively for things like going to subcommands or input filenames / URLs, and have everything else be an option instead.",
        ],
        [
            (
                P,
                "Click scripts take two kinds of parameters, options and arguments, and options are, as the name says, optional.",
            ),
            (
                S,
                "Use arguments only for things like subcommands or input filenames and URLs, and make everything else an option; arguments can be optional only within limits.",
            ),
            (NUM, "Click supports three types of parameters for scripts, including options and arguments."),
            (
                SCOPE,
                "The recommendation is to use arguments for everything, subcommands and input filenames or URLs included.",
            ),
            (NEG, "Arguments can't be optional at all."),
        ],
    ),
    (
        "parameters.rst#Differences",
        [
            "Arguments can do less than options. The following features are only available for options: * automatic prompting for missing input * act as flags (boolean or otherwise) * option values can be pulled from environment variables, arguments can not * options are fully documented in the help page, arguments are not (this is intentional as arguments might be too specific to be automatically documented) On the other hand arguments, unlike options, can accept an arbitrary number of arguments. Options can strictly ever only accept a fixed number of arguments (defaults to 1), or they may be specified multiple times using multiple-options."
        ],
        [
            (P, "Only options can prompt automatically for missing input or act as flags; arguments can't."),
            (
                S,
                "Arguments do less than options but can take an arbitrary number of values, whereas an option takes a fixed number (1 by default) or can be given several times.",
            ),
            (NUM, "An option takes a fixed number of arguments, 2 by default."),
            (SCOPE, "Both options and arguments are fully documented in the help page."),
            (NAME, "Argument values can be pulled from environment variables, but option values can't."),
            (NEG, "Options can accept an arbitrary number of arguments, just like arguments."),
        ],
    ),
    (
        "parameters.rst#Parameter Types",
        [
            'bool / click.BOOL: A parameter that accepts boolean values. This is automatically used for boolean flags. The string values "1", "true", "t", "yes", "y", and "on" convert to True. "0", "false", "f", "no", "n", and "off" convert to False. click.UUID: A parameter that accepts UUID values. This is not automatically guessed but represented as uuid.UUID.'
        ],
        [
            (P, 'click.BOOL is used automatically for boolean flags, and strings like "yes", "on" or "1" become True.'),
            (
                S,
                'Boolean parameters take "1", "true", "t", "yes", "y" and "on" as True and "0", "false", "f", "no", "n" and "off" as False.',
            ),
            (NEG, "click.UUID is guessed automatically and represented as uuid.UUID."),
            (SCOPE, 'Any string other than "1", "true", "t", "yes", "y" or "on" converts to False.'),
            (NAME, 'The string value "enabled" converts to True, just like "yes" and "on".'),
        ],
    ),
    (
        "parameters.rst#Parameter Types",
        [
            "Custom parameter types can be implemented by subclassing click.ParamType. For simple cases, passing a Python function that fails with a ValueError is also supported, though discouraged."
        ],
        [
            (P, "You can implement custom parameter types by subclassing click.ParamType."),
            (
                S,
                "For simple cases a Python function that raises ValueError works as a type too, though it's discouraged.",
            ),
            (
                NAME,
                "For simple cases, a Python function that fails with a TypeError also works, though it's discouraged.",
            ),
            (
                NEG,
                "Passing a plain Python function that fails with a ValueError is the recommended approach for simple cases.",
            ),
        ],
    ),
    (
        "parameters.rst#Parameter Names",
        [
            "Options can have many names that may be prefixed with one or two dashes. Names with one dash are parsed as short options, names with two are parsed as long options. If a name is not prefixed, it is used as the Python argument name and not parsed as an option name. Otherwise, the first name with a two dash prefix is used, or the first with a one dash prefix if there are none with two."
        ],
        [
            (P, "Option names with one dash are short options and ones with two dashes are long options."),
            (
                S,
                "An unprefixed name becomes the Python argument name; otherwise Click takes the first two-dash name, falling back to the first one-dash name.",
            ),
            (NAME, "Names with one dash are parsed as long options, and names with two as short options."),
            (COND, "Click uses the first one-dash name even if there is a name with two dashes."),
        ],
    ),
    (
        "parameters.rst#Implementing Custom Types",
        [
            "The ~ParamType.name attribute is optional and is used for documentation. Call ~ParamType.fail if conversion fails. The param and ctx arguments may be None in some cases such as prompts. Values from user input or the command line will be strings, but default values and Python arguments may already be the correct type."
        ],
        [
            (P, "A ParamType's name attribute is optional; it's used for documentation."),
            (
                S,
                "If conversion fails, call fail; param and ctx can be None, for example with prompts, and while command line input arrives as strings, defaults and Python arguments may already have the right type.",
            ),
            (NEG, "The name attribute is required, since it's used for documentation."),
            (NAME, "Call ~ParamType.convert if conversion fails."),
            (SCOPE, "Values from user input, from the command line and from defaults will all be strings."),
        ],
    ),
]

COMMANDS: list[Group] = [
    (
        "commands.rst#Callback Invocation",
        [
            "For a regular command, the callback is executed whenever the command runs. If the script is the only command, it will always fire (unless a parameter callback prevents it. This for instance happens if someone passes --help to the script). For groups and multi commands, the situation looks different. In this case, the callback fires whenever a subcommand fires (unless this behavior is changed)."
        ],
        [
            (P, "A regular command's callback runs whenever the command runs."),
            (
                S,
                "For a group, the callback fires whenever a subcommand fires unless that behavior's changed, and a lone script's callback always fires unless a parameter callback prevents it, as happens when someone passes --help.",
            ),
            (COND, "If the script is the only command, its callback always fires, even when someone passes --help."),
            (
                NAME,
                "A parameter callback can stop the script's callback from firing, which happens for instance if someone passes --version.",
            ),
        ],
    ),
    (
        "commands.rst#Passing Parameters",
        [
            "Click strictly separates parameters between commands and subcommands. What this means is that options and arguments for a specific command have to be specified after the command name itself, but before any other command names.",
            "- But tool.py --help sub will treat --help as an argument for the main program. Click then invokes the callback for --help, which prints the help and aborts the program before click can process the subcommand.",
        ],
        [
            (P, "A command's options and arguments have to come after its own name and before any other command name."),
            (
                S,
                "In tool.py --help sub, --help belongs to the main program, so Click prints the help and aborts before it gets to the subcommand.",
            ),
            (COND, "A command's options have to be given before the command's own name."),
            (NEG, "Click doesn't strictly separate parameters between commands and subcommands."),
            (NAME, "tool.py --help sub treats --help as an argument of the sub subcommand."),
        ],
    ),
    (
        "commands.rst#Nested Handling and Contexts",
        [
            "Each time a command is invoked, a new context is created and linked with the parent context. Normally, you can't see these contexts, but they are there. Contexts are passed to parameter callbacks together with the value automatically. Commands can also ask for the context to be passed by marking themselves with the pass_context decorator. In that case, the context is passed as first argument."
        ],
        [
            (
                P,
                "Every command invocation creates a new context linked to the parent context; you usually don't see them, but they exist.",
            ),
            (
                S,
                "Parameter callbacks automatically get the context along with the value, and a command decorated with pass_context receives it as its first argument.",
            ),
            (COND, "With pass_context, the context is passed as the last argument."),
            (NAME, "Commands can ask for the context by marking themselves with the pass_obj decorator."),
            (NEG, "A new context is created each time a command runs, but it isn't linked to the parent context."),
        ],
    ),
    (
        "commands.rst#Group Invocation Without Command",
        [
            "By default, a group or multi command is not invoked unless a subcommand is passed. In fact, not providing a command automatically passes --help by default. This behavior can be changed by passing invoke_without_command=True to a group. In that case, the callback is always invoked instead of showing the help page."
        ],
        [
            (P, "By default a group only runs if a subcommand is passed; without one, --help is passed automatically."),
            (
                S,
                "Pass invoke_without_command=True to a group and its callback always runs instead of the help page being shown.",
            ),
            (COND, "By default, a group is invoked even if no subcommand is passed."),
            (NAME, "Passing chain=True to a group makes its callback always run instead of showing the help page."),
            (NAME, "Not providing a command automatically passes --version by default."),
        ],
    ),
    (
        "commands.rst#Merging Multi Commands",
        [
            "The default implementation for such a merging system is the CommandCollection class. It accepts a list of other multi commands and makes the commands available on the same level.",
            "In case a command exists in more than one source, the first source wins.",
        ],
        [
            (
                P,
                "CommandCollection is the default way to merge multi commands: it takes a list of them and puts their commands on the same level.",
            ),
            (S, "When a command appears in more than one of the merged sources, the first source wins."),
            (COND, "If a command exists in more than one source, the last source wins."),
            (NAME, "The default implementation of such a merging system is the MultiCommand class."),
        ],
    ),
    (
        "commands.rst#Multi Command Chaining",
        [
            "When using multi command chaining you can only have one command (the last) use nargs=-1 on an argument. It is also not possible to nest multi commands below chained multicommands. Other than that there are no restrictions on how they work. They can accept options and arguments as normal. The order between options and arguments is limited for chained commands. Currently only --options argument order is allowed."
        ],
        [
            (P, "With chaining, only one command, the last one, can use nargs=-1 on an argument."),
            (
                S,
                "Chained commands take options and arguments as usual, but you can't nest multi commands beneath them, and only the --options argument order is allowed.",
            ),
            (NUM, "With multi command chaining, up to two commands can use nargs=-1 on an argument."),
            (COND, "Only the first command in a chain can use nargs=-1 on an argument."),
            (NEG, "Multi commands can be nested below chained multicommands."),
            (SCOPE, "Chained commands can take their options and arguments in any order."),
        ],
    ),
    (
        "commands.rst#Multi Command Chaining",
        [
            "Another note: the Context.invoked_subcommand attribute is a bit useless for multi commands as it will give '*' as value if more than one command is invoked. This is necessary because the handling of subcommands happens one after another so the exact subcommands that will be handled are not yet available when the callback fires."
        ],
        [
            (P, "For chained multi commands, Context.invoked_subcommand is '*' when more than one command is invoked."),
            (
                S,
                "Because subcommands are handled one after another, the exact ones aren't known yet when the callback fires, so invoked_subcommand just reports '*'.",
            ),
            (COND, "Context.invoked_subcommand gives '*' when only one command is invoked."),
            (NAME, "The Context.invoked_subcommand attribute gives None as value if more than one command is invoked."),
        ],
    ),
    (
        "commands.rst#Overriding Defaults",
        [
            "By default, the default value for a parameter is pulled from the default flag that is provided when it's defined, but that's not the only place defaults can be loaded from. The other place is the Context.default_map (a dictionary) on the context. This allows defaults to be loaded from a configuration file to override the regular defaults."
        ],
        [
            (
                P,
                "A parameter's default normally comes from the default given when it's defined, but it can also come from Context.default_map.",
            ),
            (
                S,
                "Context.default_map is a dictionary on the context that lets defaults from a configuration file override the regular ones.",
            ),
            (NAME, "Besides the default flag, defaults can also be loaded from Context.params."),
            (NEG, "Defaults loaded from a configuration file can't override the regular defaults."),
        ],
    ),
    (
        "commands.rst#Context Defaults",
        [
            "Starting with Click 2.0 you can override defaults for contexts not just when calling your script, but also in the decorator that declares a command."
        ],
        [
            (
                P,
                "Since Click 2.0 you can override context defaults in the command's decorator as well as when calling the script.",
            ),
            (
                S,
                "From Click 2.0 on, context defaults can be overridden right in the decorator that declares a command.",
            ),
            (NUM, "Starting with Click 3.0 you can override context defaults in the command's decorator."),
            (
                SCOPE,
                "Since Click 2.0 you can only override context defaults in the decorator, not when calling the script.",
            ),
        ],
    ),
    (
        "commands.rst#Command Return Values",
        [
            "If a group is set up for chaining then the return value is a list of all subcommands' results. * Return values of groups can be processed through a MultiCommand.result_callback. This is invoked with the list of all return values in chain mode, or the single return value in case of non chained commands.",
            "Click does not have any hard requirements for the return values and does not use them itself.",
        ],
        [
            (P, "When a group is set up for chaining, its return value is a list of all its subcommands' results."),
            (
                S,
                "You can process a group's return values with MultiCommand.result_callback, which gets the list of values in chain mode or the single value otherwise; Click itself doesn't use return values.",
            ),
            (NAME, "Return values of groups can be processed through MultiCommand.list_commands."),
            (NEG, "Click has hard requirements for what return values look like."),
            (
                COND,
                "result_callback gets the list of all return values for non-chained commands and the single return value in chain mode.",
            ),
        ],
    ),
]

OPTIONS: list[Group] = [
    (
        "options.rst#Basic Value Options",
        [
            "The most basic option is a value option. These options accept one argument which is a value. If no type is provided, the type of the default value is used. If no default value is provided, the type is assumed to be STRING. Unless a name is explicitly specified, the name of the parameter is the first long option defined; otherwise the first short one is used. By default, options are not required, however to make an option required, simply pass in required=True as an argument to the decorator."
        ],
        [
            (
                P,
                "Value options take one argument, a value, and if you don't give a type, the default value's type is used.",
            ),
            (
                S,
                "Without a type or a default, an option's type is STRING; options aren't required unless you pass required=True to the decorator.",
            ),
            (NAME, "If no default value is provided, the type is assumed to be INT."),
            (NEG, "Options are required by default; pass required=False to make one optional."),
            (
                COND,
                "The parameter's name is the first short option defined, and only if there's no short one is the first long one used.",
            ),
        ],
    ),
    (
        "options.rst#Multiple Options",
        [
            "Similarly to nargs, there is also the case of wanting to support a parameter being provided multiple times and have all the values recorded -- not just the last one. For instance, git commit -m foo -m bar would record two lines for the commit message: foo and bar. This can be accomplished with the multiple flag:",
            "When passing a default with multiple=True, the default value must be a list or tuple, otherwise it will be interpreted as a list of single characters.",
        ],
        [
            (
                P,
                "With the multiple flag, a parameter can be given several times and every value is recorded, not just the last.",
            ),
            (
                S,
                "If you give a default with multiple=True, make it a list or tuple; otherwise it'll be treated as a list of single characters.",
            ),
            (NUM, "git commit -m foo -m bar would record three lines for the commit message."),
            (
                COND,
                "A default with multiple=True is interpreted as a list of single characters if it's a list or tuple.",
            ),
            (NEG, "With the multiple flag, only the last value is recorded."),
        ],
    ),
    (
        "options.rst#Counting",
        [
            "In some very rare circumstances, it is interesting to use the repetition of options to count an integer up. This can be used for verbosity flags, for instance:"
        ],
        [
            (
                P,
                "In some rare cases it's useful to count an integer up by repeating an option, for example for verbosity flags.",
            ),
            (S, "Repeating an option can count an integer up, which suits things like verbosity flags."),
            (
                SCOPE,
                "It's common to use the repetition of options to count an integer up, for verbosity flags for instance.",
            ),
        ],
    ),
    (
        "options.rst#Boolean Flags",
        [
            "Boolean flags are options that can be enabled or disabled. This can be accomplished by defining two flags in one go separated by a slash (/) for enabling or disabling the option. (If a slash is in an option string, Click automatically knows that it's a boolean flag and will pass is_flag=True implicitly.) Click always wants you to provide an enable and disable flag so that you can change the default later."
        ],
        [
            (
                P,
                "You define a boolean flag by giving both flags at once, separated by a slash, one to enable and one to disable it.",
            ),
            (
                S,
                "A slash in an option string tells Click it's a boolean flag, so is_flag=True is passed implicitly; Click wants both an enable and a disable flag so you can change the default later.",
            ),
            (NAME, "Two flags separated by a semicolon in one go define a boolean flag."),
            (COND, "Click passes is_flag=True implicitly only if you leave the slash out of the option string."),
            (NEG, "Click doesn't need both an enable and a disable flag; one is enough."),
        ],
    ),
    (
        "options.rst#Feature Switches",
        [
            "In addition to boolean flags, there are also feature switches. These are implemented by setting multiple options to the same parameter name and defining a flag value. Note that by providing the flag_value parameter, Click will implicitly set is_flag=True. To set a default flag, assign a value of True to the flag that should be the default."
        ],
        [
            (P, "Feature switches work by giving several options the same parameter name and defining a flag value."),
            (
                S,
                "Providing flag_value implicitly sets is_flag=True, and the default switch is the flag you assign True to.",
            ),
            (NAME, "Providing the flag_value parameter makes Click implicitly set multiple=True."),
            (NEG, "To set a default flag, assign a value of False to the flag that should be the default."),
        ],
    ),
    (
        "options.rst#Choice Options",
        [
            "Only pass the choices as list or tuple. Other iterables (like generators) may lead to unexpected results. Choices work with options that have multiple=True. If a default value is given with multiple=True, it should be a list or tuple of valid choices."
        ],
        [
            (
                P,
                "Pass choices only as a list or tuple, since other iterables like generators may give unexpected results.",
            ),
            (
                S,
                "Choice works with multiple=True options, and a default then has to be a list or tuple of valid choices.",
            ),
            (NEG, "Choices don't work with options that have multiple=True."),
            (NAME, "Only pass the choices as a list or a set; generators may cause unexpected results."),
        ],
    ),
    (
        "options.rst#Prompting",
        [
            "It is advised that prompt not be used in conjunction with the multiple flag set to True. Instead, prompt in the function interactively. By default, the user will be prompted for an input if one was not passed through the command line."
        ],
        [
            (P, "Don't combine prompt with multiple=True; prompt interactively inside the function instead."),
            (S, "By default the user gets prompted whenever no input was passed on the command line."),
            (COND, "By default the user is prompted for input even if one was passed through the command line."),
            (NEG, "It's advised to use prompt together with multiple=True."),
        ],
    ),
    (
        "options.rst#Password Prompts",
        [
            "Click also supports hidden prompts and asking for confirmation. This is useful for password input:",
            "Because this combination of parameters is quite common, this can also be replaced with the password_option decorator:",
        ],
        [
            (P, "Click supports hidden prompts and confirmation, which is useful for passwords."),
            (
                S,
                "Since hidden input plus confirmation is a common combination, you can just use the password_option decorator.",
            ),
            (NAME, "This combination is common enough that it can be replaced with the confirmation_option decorator."),
        ],
    ),
    (
        "options.rst#Dynamic Defaults for Prompts",
        [
            "The auto_envvar_prefix and default_map options for the context allow the program to read option values from the environment or a configuration file. However, this overrides the prompting mechanism, so that the user does not get the option to change the value interactively. If you want to let the user configure the default value, but still be prompted if the option isn't specified on the command line, you can do so by supplying a callable as the default value."
        ],
        [
            (
                P,
                "The context's auto_envvar_prefix and default_map let a program read option values from the environment or a config file.",
            ),
            (
                S,
                "Those override prompting, so the user can't change the value interactively; supplying a callable as the default lets the user configure it and still be prompted when the option's missing from the command line.",
            ),
            (NEG, "Reading values through auto_envvar_prefix still lets the user change the value interactively."),
            (NAME, "To keep the prompt, supply a string as the default value."),
            (
                COND,
                "With a callable default, the user is prompted even when the option is specified on the command line.",
            ),
        ],
    ),
    (
        "options.rst#Callbacks and Eager Options",
        [
            "An eager parameter is a parameter that is handled before others, and a callback is what executes after the parameter is handled. The eagerness is necessary so that an earlier required parameter does not produce an error message.",
            "A callback is a function that is invoked with three parameters: the current Context, the current Parameter, and the value.",
        ],
        [
            (P, "An eager parameter is handled before the others, and a callback runs after the parameter is handled."),
            (
                S,
                "Callbacks get three arguments, the Context, the Parameter and the value, and eagerness keeps an earlier required parameter from producing an error.",
            ),
            (NUM, "A callback is invoked with two parameters: the current Context and the value."),
            (COND, "An eager parameter is handled after the others."),
            (NEG, "Eagerness is what makes an earlier required parameter produce an error message."),
        ],
    ),
    (
        "options.rst#Values from Environment Variables",
        [
            "This is supported by Click in two ways. One is to automatically build environment variables which is supported for options only. To enable this feature, the auto_envvar_prefix parameter needs to be passed to the script that is invoked. Each command and parameter is then added as an uppercase underscore-separated variable. If you have a subcommand called run taking an option called reload and the prefix is WEB, then the variable is WEB_RUN_RELOAD."
        ],
        [
            (
                P,
                "Automatically built environment variables only work for options, and you turn them on by passing auto_envvar_prefix to the script you invoke.",
            ),
            (
                S,
                "With a prefix set, each command and parameter is added as an uppercase, underscore-separated variable, so a run subcommand's reload option under the prefix WEB reads WEB_RUN_RELOAD.",
            ),
            (NAME, "With the prefix WEB, a run subcommand's reload option reads from WEB_RELOAD_RUN."),
            (SCOPE, "Automatically built environment variables work for both options and arguments."),
            (NAME, "To enable it, pass the envvar_prefix parameter to the script."),
        ],
    ),
    (
        "options.rst#Multiple Values from Environment Values",
        [
            "The default implementation for all types is to split on whitespace. The exceptions to this rule are the File and Path types which both split according to the operating system's path splitting rules. On Unix systems like Linux and OS X, the splitting happens for those on every colon (:), and for Windows, on every semicolon (;)."
        ],
        [
            (P, "By default every type splits environment values on whitespace."),
            (
                S,
                "File and Path are the exceptions: they split by the OS's path rules, on colons on Linux and OS X and on semicolons on Windows.",
            ),
            (NAME, "On Windows, File and Path values are split on every colon."),
            (SCOPE, "All types, File and Path included, split on whitespace."),
            (NAME, "The exceptions are the File and Choice types, which split by the OS's path rules."),
        ],
    ),
    (
        "options.rst#Other Prefix Characters",
        [
            "Click can deal with alternative prefix characters other than - for options. This is for instance useful if you want to handle slashes as parameters / or something similar. Note that this is strongly discouraged in general because Click wants developers to stay close to POSIX semantics."
        ],
        [
            (P, "Click can handle option prefix characters other than -, slashes for example."),
            (
                S,
                "Alternative prefix characters are possible but strongly discouraged, since Click wants developers to stay close to POSIX semantics.",
            ),
            (
                NEG,
                "Using alternative prefix characters is encouraged, as it keeps developers close to POSIX semantics.",
            ),
        ],
    ),
    (
        "options.rst#Range Options",
        [
            "If min or max is omitted, that side is unbounded. Any value in that direction is accepted. By default, both bounds are closed, which means the boundary value is included in the accepted range. min_open and max_open can be used to exclude that boundary from the range. If clamp mode is enabled, a value that is outside the range is set to the boundary instead of failing. For example, the range 0, 5 would return 5 for the value 10, or 0 for the value -1. When using FloatRange, clamp can only be enabled if both bounds are closed (the default)."
        ],
        [
            (P, "Leave out min or max and that side of the range is unbounded."),
            (
                S,
                "Bounds are closed by default, so boundary values are accepted, and min_open or max_open exclude them; with clamp, out-of-range values snap to the boundary, so 10 becomes 5 for the range 0 to 5.",
            ),
            (NUM, "With clamp on, the range 0, 5 returns 0 for the value 10."),
            (NEG, "By default both bounds are open, so the boundary value itself isn't accepted."),
            (COND, "With FloatRange, clamp can only be enabled if at least one bound is open."),
        ],
    ),
    (
        "options.rst#Callbacks for Validation",
        [
            "These callbacks can both modify values as well as raise errors if the validation does not work. The callback runs after type conversion. It is called for all sources, including prompts. In Click 1.0, you can only raise the UsageError but starting with Click 2.0, you can also raise the BadParameter error, which has the added advantage that it will automatically format the error message to also contain the parameter name."
        ],
        [
            (P, "Validation callbacks can modify values and raise errors if validation fails."),
            (
                S,
                "The callback runs after type conversion for every source, prompts included, and since Click 2.0 you can raise BadParameter, which puts the parameter name in the error message automatically.",
            ),
            (COND, "The validation callback runs before type conversion."),
            (SCOPE, "The callback is called for values from the command line, but not for prompts."),
            (NUM, "Since Click 3.0 you can raise BadParameter in addition to UsageError."),
            (NAME, "In Click 1.0 you can only raise BadParameter; from 2.0 on you can also raise UsageError."),
        ],
    ),
    (
        "options.rst#Optional Value",
        [
            "If the option has prompt enabled, then setting prompt_required=False tells Click to only show the prompt if the option's flag is given, instead of if the option is not provided at all.",
            "If required=True, then the option will still prompt if it is not given, but it will also prompt if only the flag is given.",
        ],
        [
            (
                P,
                "With prompt enabled, prompt_required=False makes Click show the prompt only when the option's flag is given, not when the option is missing altogether.",
            ),
            (
                S,
                "Setting required=True means the option prompts both when it isn't given and when only its flag is given.",
            ),
            (NEG, "Setting prompt_required=True tells Click to only show the prompt if the option's flag is given."),
            (SCOPE, "With required=True, the option prompts only if it's not given at all."),
        ],
    ),
]

ARGUMENTS: list[Group] = [
    (
        "arguments.rst#Arguments",
        [
            "Arguments work similarly to options but are positional. They also only support a subset of the features of options due to their syntactical nature. Click will also not attempt to document arguments for you and wants you to document them manually in order to avoid ugly help pages."
        ],
        [
            (P, "Arguments are like options, except they're positional and only support a subset of option features."),
            (S, "Click won't document arguments for you; it wants you to do it by hand so help pages don't get ugly."),
            (NEG, "Click documents arguments automatically to avoid ugly help pages."),
            (SCOPE, "Arguments support all of the features of options; they're just positional."),
        ],
    ),
    (
        "arguments.rst#Variadic Arguments",
        [
            "This can be controlled with the nargs parameter. If it is set to -1, then an unlimited number of arguments is accepted. The value is then passed as a tuple. Note that only one argument can be set to nargs=-1, as it will eat up all arguments."
        ],
        [
            (P, "Setting nargs to -1 makes an argument accept an unlimited number of values, passed as a tuple."),
            (S, "Only one argument can use nargs=-1, because it eats up all the arguments."),
            (NUM, "Setting nargs to 0 makes the argument accept any number of values."),
            (NAME, "With nargs=-1 the values are passed in as a list."),
            (SCOPE, "Any number of arguments can be set to nargs=-1."),
        ],
    ),
    (
        "arguments.rst#File Opening Safety",
        [
            'The default behavior is to be "intelligent" about it. What this means is that it will open stdin/stdout and files opened for reading immediately. This will give the user direct feedback when a file cannot be opened, but it will only open files for writing the first time an IO operation is performed by automatically wrapping the file in a special wrapper.'
        ],
        [
            (
                P,
                "By default stdin/stdout and files for reading are opened immediately, so users get direct feedback if a file can't be opened.",
            ),
            (
                S,
                "Files for writing are only opened at the first IO operation, through a special wrapper, while files for reading are opened right away.",
            ),
            (
                COND,
                "Files opened for writing are opened immediately, while files for reading wait for the first IO operation.",
            ),
            (NEG, "Opening files for reading right away gives the user no feedback when a file can't be opened."),
        ],
    ),
    (
        "arguments.rst#Environment Variables",
        [
            "Like options, arguments can also grab values from an environment variable. Unlike options, however, this is only supported for explicitly named environment variables.",
            "In that case, it can also be a list of different environment variables where the first one is picked. Generally, this feature is not recommended because it can cause the user a lot of confusion.",
        ],
        [
            (P, "Arguments can take values from environment variables too, but only from explicitly named ones."),
            (
                S,
                "You can give an argument a list of environment variables and the first one is picked, though the feature isn't recommended since it can confuse users a lot.",
            ),
            (COND, "If you give a list of environment variables, the last one is picked."),
            (NEG, "This feature is generally recommended."),
            (
                SCOPE,
                "Arguments get values from environment variables exactly the way options do, automatically named ones included.",
            ),
        ],
    ),
    (
        "prompts.rst#Input Prompts",
        [
            "To manually ask for user input, you can use the prompt function. By default, it accepts any Unicode string, but you can ask for any other type. For instance, you can ask for a valid integer:: value = click.prompt('Please enter a valid integer', type=int) Additionally, the type will be determined automatically if a default value is provided."
        ],
        [
            (
                P,
                "Use the prompt function to ask for user input by hand; it accepts any Unicode string unless you ask for another type, such as an integer.",
            ),
            (S, "prompt infers the type from the default value if you provide one."),
            (NAME, "To manually ask for user input, you use the confirm function."),
            (COND, "The type is determined automatically only if no default value is provided."),
        ],
    ),
    (
        "prompts.rst#Confirmation Prompts",
        [
            "To ask if a user wants to continue with an action, the confirm function comes in handy. By default, it returns the result of the prompt as a boolean value::",
            "There is also the option to make the function automatically abort the execution of the program if it does not return True::",
        ],
        [
            (
                P,
                "The confirm function asks whether the user wants to go on and, by default, returns the answer as a boolean.",
            ),
            (S, "confirm can also abort the program automatically when it doesn't return True."),
            (COND, "confirm can abort the program automatically if it returns True."),
            (NAME, "By default, confirm returns the result of the prompt as a string."),
        ],
    ),
]

ADVANCED: list[Group] = [
    (
        "shell-completion.rst#Shell Completion",
        [
            "Click provides tab completion support for Bash (version 4.4 and up), Zsh, and Fish. It is possible to add support for other shells too, and suggestions can be customized at multiple levels. Shell completion suggests command names, option names, and values for choice, file, and path parameter types. Options are only listed if at least a dash has been entered. Hidden commands and options are not shown."
        ],
        [
            (P, "Click supports tab completion for Bash 4.4 and newer, Zsh and Fish, and you can add other shells."),
            (
                S,
                "Completion suggests command names, option names and values for choice, file and path types; options only show up once you've typed a dash, and hidden ones never do.",
            ),
            (NUM, "Click's tab completion supports Bash from version 4.2 onwards, plus Zsh and Fish."),
            (NAME, "Click provides tab completion for Bash, Zsh and PowerShell."),
            (COND, "Options are listed even before a dash has been entered."),
            (NEG, "Hidden commands and options are shown too."),
        ],
    ),
    (
        "shell-completion.rst#Enabling Completion",
        [
            "Completion is only available if a script is installed and invoked through an entry point, not through the python command.",
            "Using eval means that the command is invoked and evaluated every time a shell is started, which can delay shell responsiveness.",
        ],
        [
            (
                P,
                "Shell completion only works when the script is installed and run through an entry point rather than via the python command.",
            ),
            (S, "The eval approach runs the command every time a shell starts, which can slow the shell down."),
            (
                COND,
                "Completion works whether the script is invoked through an entry point or through the python command.",
            ),
            (NEG, "Using eval doesn't affect shell responsiveness."),
            (SCOPE, "With eval, the command is evaluated only the first time a shell is started."),
        ],
    ),
    (
        "advanced.rst#Command Aliases",
        [
            "Many tools support aliases for commands (see Command alias example). For instance, you can configure git to accept git ci as alias for git commit. Other tools also support auto-discovery for aliases by automatically shortening them. Click does not support this out of the box, but it's very easy to customize the Group or any other MultiCommand to provide this functionality."
        ],
        [
            (
                P,
                "Click doesn't support command aliases out of the box, but customizing a Group or another MultiCommand to add them is easy.",
            ),
            (
                S,
                "Tools like git let you set up aliases such as git ci for git commit, and some discover aliases by shortening names; in Click you get this by customizing a Group.",
            ),
            (NAME, "For instance, git can be configured to accept git co as an alias for git commit."),
            (NEG, "Click supports command aliases out of the box."),
        ],
    ),
    (
        "advanced.rst#Invoking Other Commands",
        [
            "Sometimes, it might be interesting to invoke one command from another command. This is a pattern that is generally discouraged with Click, but possible nonetheless. For this, you can use the Context.invoke or Context.forward methods. They work similarly, but the difference is that Context.invoke merely invokes another command with the arguments you provide as a caller, whereas Context.forward fills in the arguments from the current command."
        ],
        [
            (P, "Calling one command from another is possible in Click, though it's generally discouraged."),
            (
                S,
                "Context.invoke runs another command with the arguments you pass, while Context.forward fills them in from the current command.",
            ),
            (
                NAME,
                "Context.forward invokes the other command with the arguments you provide, while Context.invoke fills them in from the current command.",
            ),
            (NEG, "Invoking one command from another is a recommended pattern in Click."),
        ],
    ),
    (
        "advanced.rst#Callback Evaluation Order",
        [
            "A parameter callback invocation in optparse happens as part of the parsing step, whereas a callback invocation in Click happens after the parsing. The main difference is that in optparse, callbacks are invoked with the raw value as it happens, whereas a callback in Click is invoked after the value has been fully converted.",
            "Generally, the order of invocation is driven by the order in which the user provides the arguments to the script; if there is an option called --foo and an option called --bar and the user calls it as --bar --foo, then the callback for bar will fire before the one for foo.",
        ],
        [
            (
                P,
                "In Click, parameter callbacks run after parsing, whereas optparse invokes them during the parsing step.",
            ),
            (
                S,
                "Click calls callbacks with fully converted values, in the order the user passed the arguments: --bar --foo fires bar's callback before foo's.",
            ),
            (COND, "If the user calls --bar --foo, foo's callback fires before bar's."),
            (
                NAME,
                "In Click, callbacks are invoked with the raw value as it happens, whereas optparse waits until the value has been fully converted.",
            ),
        ],
    ),
    (
        "advanced.rst#Global Context Access",
        [
            "Starting with Click 5.0 it is possible to access the current context from anywhere within the same thread through the use of the get_current_context function which returns it.",
            "However if you do use this for threading you need to be very careful as the vast majority of the context is not thread safe! You are only allowed to read from the context, but not to perform any modifications on it.",
        ],
        [
            (P, "Since Click 5.0, get_current_context returns the current context from anywhere in the same thread."),
            (
                S,
                "If you share the context with threads, be careful: most of it isn't thread safe, so you may only read from it, never modify it.",
            ),
            (
                NUM,
                "Since Click 4.0 you can get the current context anywhere in the thread through get_current_context.",
            ),
            (NEG, "Most of the context is thread safe, but you should still only read from it."),
            (SCOPE, "get_current_context gives you the current context from anywhere, in any thread."),
        ],
    ),
    (
        "utils.rst#Printing to Stdout",
        [
            "The most obvious helper is the echo function, which in many ways works like the Python print statement or function.",
            "It can output both text and binary data. It will emit a trailing newline by default, which needs to be suppressed by passing nl=False::",
        ],
        [
            (P, "echo works much like Python's print and can output both text and binary data."),
            (S, "The echo function adds a trailing newline unless you pass nl=False."),
            (NAME, "echo emits a trailing newline by default; pass newline=False to suppress it."),
            (NEG, "echo doesn't add a trailing newline unless you pass nl=True."),
            (SCOPE, "echo can only output text, not binary data."),
        ],
    ),
    (
        "utils.rst#ANSI Colors",
        [
            "Click's echo function will automatically strip ANSI color codes if the stream is not connected to a terminal. - the echo function will transparently connect to the terminal on Windows and translate ANSI codes to terminal API calls. This means that colors will work on Windows the same way they do on other operating systems. On Windows, Click uses colorama without calling colorama.init(). You can still call that in your code, but it's not required for Click."
        ],
        [
            (P, "echo strips ANSI color codes automatically when the stream isn't connected to a terminal."),
            (
                S,
                "On Windows, echo translates ANSI codes into terminal API calls so colors work as on other systems, and Click uses colorama without you having to call colorama.init().",
            ),
            (COND, "echo strips ANSI color codes when the stream is connected to a terminal."),
            (NEG, "Click calls colorama.init() on Windows, so you shouldn't call it in your own code."),
            (NAME, "On Windows, Click uses termcolor without calling its init function."),
        ],
    ),
    (
        "advanced.rst#Token Normalization",
        [
            "Starting with Click 2.0, it's possible to provide a function that is used for normalizing tokens. Tokens are option names, choice values, or command values. This can be used to implement case insensitive options, for instance."
        ],
        [
            (
                P,
                "Since Click 2.0 you can supply a function to normalize tokens, for example to make options case insensitive.",
            ),
            (S, "Token normalization applies to option names, choice values and command values."),
            (NUM, "Starting with Click 3.0, you can provide a token normalization function."),
            (SCOPE, "The tokens that get normalized are option names only."),
        ],
    ),
    (
        "advanced.rst#Forwarding Unknown Options",
        [
            "The support for this is provided through a parser flag called ignore_unknown_options which will instruct the parser to collect all unknown options and to put them to the leftover argument instead of triggering a parsing error."
        ],
        [
            (
                P,
                "ignore_unknown_options tells the parser to collect unknown options into the leftover arguments rather than raising a parsing error.",
            ),
            (
                S,
                "With the ignore_unknown_options parser flag, unknown options are gathered as leftovers instead of causing a parsing error.",
            ),
            (
                NAME,
                "This is done with a parser flag called allow_extra_args, which collects unknown options instead of raising a parsing error.",
            ),
        ],
    ),
]

GROUPS: list[Group] = (
    WHY
    + UNICODE
    + UPGRADING
    + EXCEPTIONS
    + WINDOWS
    + TESTING
    + SETUPTOOLS
    + PARAMETERS
    + COMMANDS
    + OPTIONS
    + ARGUMENTS
    + ADVANCED
)


if __name__ == "__main__":
    write_cases(GROUPS, set_name=SET, id_prefix="cl", split="test5", out=OUT)
