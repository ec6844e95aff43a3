# ruff: noqa: E501  (hand-written cases: one answer per line reads better than wrapped strings)
"""Writes `heldout_jinja.jsonl` (split `test6`): hand-written grounding cases on the Jinja 3.1.4 docs.

    python bench/data/grounding/make_heldout_jinja.py

Every answer and label below was written by hand from the passage(s) of its group; the script only numbers
the cases, fills in the common fields and checks that each passage is verbatim in its parsed section (the
documents: the `docs` folder of the `jinja2==3.1.4` sdist, fetched once into `bench/.cache/grounding-jinja/` —
the same fetch `bench/grounding_bench.py` uses). Written before any rule change of the sixth round.
"""

from __future__ import annotations

from pathlib import Path

from heldout_cases import COND, NAME, NEG, NUM, SCOPE, Group, P, S, write_cases

OUT = Path(__file__).with_name("heldout_jinja.jsonl")
SET = "jinja"

FAQ_INTRO_SWITCHING: list[Group] = [
    (
        "faq.rst#Why is it called Jinja?",
        [
            '"Jinja" is a Japanese Shinto shrine, or temple, and temple and template share a similar English pronunciation. It is not named after the city in Uganda.'
        ],
        [
            (
                P,
                'The name comes from a Japanese Shinto shrine (a temple), because "temple" and "template" sound alike in English.',
            ),
            (S, "Jinja is named after a Shinto shrine, not after the city in Uganda."),
            (NAME, "Jinja is named after a Buddhist temple, since temple and template sound similar in English."),
            (NEG, "Jinja is named after the city in Uganda, whose name sounds like template."),
        ],
    ),
    (
        "faq.rst#How fast is Jinja?",
        [
            "Jinja is relatively fast among template engines because it compiles and caches template code to Python code, so that the template does not need to be parsed and interpreted each time. Rendering a template becomes as close to executing a Python function as possible."
        ],
        [
            (
                P,
                "Jinja is fairly fast because it compiles templates to Python code and caches it, so a template isn't parsed and interpreted on every render.",
            ),
            (
                S,
                "Since templates are compiled and cached as Python code, rendering one is about as close as possible to running a Python function.",
            ),
            (
                NEG,
                "Jinja parses and interprets the template each time it renders, which is why it is relatively slow among template engines.",
            ),
            (COND, "Jinja only compiles template code to Python when caching is disabled."),
        ],
    ),
    (
        "faq.rst#How fast is Jinja?",
        [
            "Templates are cached by name after loading, so future uses of the template avoid loading. The template loading itself uses a bytecode cache to avoid repeated compiling. The caches can be external to persist across restarts."
        ],
        [
            (
                P,
                "Once loaded, templates are cached by name, so later uses don't load them again, and loading itself goes through a bytecode cache to avoid recompiling.",
            ),
            (
                S,
                "Jinja caches loaded templates by name and their bytecode, and these caches can live outside the process so they survive restarts.",
            ),
            (NEG, "The caches are always kept in memory and can't persist across restarts."),
            (
                SCOPE,
                "Templates are cached by name after loading, so no template is ever compiled more than once, even across different machines.",
            ),
            (NAME, "Templates are cached by their file path after loading, so future uses skip loading."),
        ],
    ),
    (
        "faq.rst#How fast is Jinja?",
        [
            "We dislike benchmarks because they don't reflect real use. Performance depends on many factors. Different engines have different default configurations and tradeoffs that make it unclear how to set up a useful comparison. Often, database access, API calls, and data processing have a much larger effect on performance than the template engine."
        ],
        [
            (
                P,
                "The Jinja maintainers don't like benchmarks, since they don't reflect real-world use and performance depends on many factors.",
            ),
            (
                S,
                "Database access, API calls and data processing often affect performance much more than the template engine does.",
            ),
            (
                NEG,
                "The template engine usually has a much larger effect on performance than database access or API calls.",
            ),
            (
                SCOPE,
                "Because all engines share the same default configuration, setting up a useful comparison is easy.",
            ),
        ],
    ),
    (
        "faq.rst#Isn't it a bad idea to put logic in templates?",
        [
            "Without a doubt you should try to remove as much logic from templates as possible. With less logic, the template is easier to understand, has fewer potential side effects, and is faster to compile and render. But a template without any logic means processing must be done in code before rendering. A template engine that does that is shipped with Python, called string.Template, and while it's definitely fast it's not convenient."
        ],
        [
            (
                P,
                "You should move as much logic as possible out of templates: they become easier to understand, have fewer side effects and compile and render faster.",
            ),
            (
                S,
                "A template with no logic at all means the processing has to happen in code before rendering, which is what Python's string.Template does: fast, but not convenient.",
            ),
            (
                NAME,
                "Python ships a logic-free template engine called string.Formatter, which is fast but not convenient.",
            ),
            (NEG, "string.Template, shipped with Python, is both fast and convenient."),
            (NEG, "With less logic a template has fewer side effects, but it is slower to compile and render."),
        ],
    ),
    (
        "faq.rst#Isn't it a bad idea to put logic in templates?",
        [
            "Jinja doesn't allow arbitrary Python code in templates, or every feature available in the Python language. This keeps the engine easier to maintain, and keeps templates more readable. Some amount of logic is required in templates to keep everyone happy."
        ],
        [
            (
                P,
                "Jinja doesn't let you put arbitrary Python code in templates or use every Python language feature, which keeps the engine easier to maintain and templates more readable.",
            ),
            (
                S,
                "Jinja deliberately restricts templates to less than full Python, though it accepts that some logic in templates is needed.",
            ),
            (NEG, "Jinja allows arbitrary Python code in templates, which keeps templates more readable."),
            (SCOPE, "Jinja allows no logic at all in templates, to keep the engine easier to maintain."),
        ],
    ),
    (
        "faq.rst#Why is HTML escaping not the default?",
        [
            "Jinja provides a feature that can be enabled to escape HTML syntax in rendered templates. However, it is disabled by default. Jinja is a general purpose template engine, it is not only used for HTML documents. You can generate plain text, LaTeX, emails, CSS, JavaScript, configuration files, etc. HTML escaping wouldn't make sense for any of these document types."
        ],
        [
            (P, "Jinja can escape HTML syntax in rendered templates, but that feature is off unless you turn it on."),
            (
                S,
                "HTML escaping isn't the default because Jinja is a general-purpose engine that also produces plain text, LaTeX, emails, CSS, JavaScript and config files, where HTML escaping makes no sense.",
            ),
            (NEG, "Jinja escapes HTML syntax in rendered templates by default."),
            (SCOPE, "Jinja is only meant for HTML documents, so HTML escaping makes sense for every template."),
        ],
    ),
    (
        "faq.rst#Why is HTML escaping not the default?",
        [
            "While automatic escaping means that you are less likely have an XSS problem, it also requires significant extra processing during compiling and rendering, which can reduce performance. Jinja uses MarkupSafe for escaping, which provides optimized C code for speed, but it still introduces overhead to track escaping across methods and formatting."
        ],
        [
            (
                P,
                "Automatic escaping makes XSS problems less likely, but it adds significant processing during compiling and rendering, which can hurt performance.",
            ),
            (
                S,
                "Jinja escapes with MarkupSafe, whose optimized C code is fast, yet tracking escaping across methods and formatting still costs something.",
            ),
            (NAME, "Jinja uses Bleach for escaping, which provides optimized C code for speed."),
            (NEG, "Because MarkupSafe is written in optimized C, automatic escaping adds no overhead."),
            (COND, "Automatic escaping only reduces performance when templates are compiled ahead of time."),
        ],
    ),
    (
        "intro.rst#Introduction",
        [
            "Jinja is a fast, expressive, extensible templating engine. Special placeholders in the template allow writing code similar to Python syntax. Then the template is passed data to render the final document."
        ],
        [
            (
                P,
                "Jinja is a fast, expressive and extensible templating engine where special placeholders let you write code that resembles Python.",
            ),
            (
                S,
                "You write a template with Python-like placeholders and then pass it data to render the final document.",
            ),
            (NAME, "Special placeholders in the template let you write code similar to JavaScript syntax."),
            (NEG, "Jinja's placeholders use a syntax unlike Python's."),
        ],
    ),
    (
        "intro.rst#Introduction",
        [
            "- HTML templates can use autoescaping to prevent XSS from untrusted user input. - A sandboxed environment can safely render untrusted templates. - Async support for generating templates that automatically handle sync and async functions without extra syntax. - I18N support with Babel."
        ],
        [
            (
                P,
                "HTML templates can turn on autoescaping to guard against XSS from untrusted user input, and a sandboxed environment can safely render untrusted templates.",
            ),
            (
                S,
                "Jinja includes async support that handles both sync and async functions without extra syntax, plus i18n through Babel.",
            ),
            (NAME, "Jinja's I18N support is built on gettext's msgfmt rather than any third-party library."),
            (NEG, "Async templates need extra syntax to call sync functions."),
            (SCOPE, "Autoescaping prevents every kind of injection attack in every output format."),
        ],
    ),
    (
        "intro.rst#Introduction",
        [
            "- Templates are compiled to optimized Python code just-in-time and cached, or can be compiled ahead-of-time. - Exceptions point to the correct line in templates to make debugging easier."
        ],
        [
            (
                P,
                "Templates get compiled just-in-time into optimized Python code and cached, or you can compile them ahead of time.",
            ),
            (S, "Exceptions in Jinja point at the right line of the template, which makes debugging easier."),
            (NEG, "Templates can't be compiled ahead of time; they are always compiled just-in-time."),
            (NAME, "Templates are compiled to optimized C code just-in-time and cached."),
        ],
    ),
    (
        "intro.rst#Installation",
        [
            "We recommend using the latest version of Python. Jinja supports Python 3.7 and newer. We also recommend using a virtual environment in order to isolate your project dependencies from other projects and the system."
        ],
        [
            (P, "Jinja runs on Python 3.7 or later, and the latest Python version is recommended."),
            (
                S,
                "Use a recent Python (3.7+) and a virtual environment to keep your project's dependencies isolated from other projects and the system.",
            ),
            (NUM, "Jinja supports Python 3.6 and newer."),
            (NEG, "A virtual environment isn't recommended for Jinja; install it into the system Python."),
            (SCOPE, "Jinja only supports the latest version of Python."),
        ],
    ),
    (
        "intro.rst#Dependencies | intro.rst#Optional Dependencies",
        [
            "These will be installed automatically when installing Jinja. - MarkupSafe escapes untrusted input when rendering templates to avoid injection attacks.",
            "These distributions will not be installed automatically. - Babel provides translation support in templates.",
        ],
        [
            (
                P,
                "MarkupSafe gets installed automatically along with Jinja; it escapes untrusted input during rendering to avoid injection attacks.",
            ),
            (
                S,
                "Jinja pulls in MarkupSafe on install, while Babel, which adds translation support, is optional and has to be installed separately.",
            ),
            (
                NAME,
                "Babel is installed automatically with Jinja, while MarkupSafe is optional and must be installed separately.",
            ),
            (NEG, "Babel is installed automatically when you install Jinja."),
            (NAME, "MarkupSafe provides translation support in templates, and Babel escapes untrusted input."),
        ],
    ),
    (
        "switching.rst#Django",
        [
            "If you have previously worked with Django templates, you should find Jinja very familiar. Many of the syntax elements look and work the same. However, Jinja provides some more syntax elements, and some work a bit differently. This section covers the template changes. The API, including extension support, is fundamentally different so it won't be covered here."
        ],
        [
            (
                P,
                "If you've used Django templates, Jinja should feel very familiar, since many syntax elements look and behave the same.",
            ),
            (
                S,
                "Jinja has a few more syntax elements than Django templates and some behave differently, while the API and extension support are fundamentally different.",
            ),
            (NEG, "Jinja's API, including extension support, is essentially the same as Django's."),
            (SCOPE, "All of Jinja's syntax elements look and work exactly the same as in Django."),
            (NAME, "If you've worked with Mako templates before, Jinja should feel very familiar."),
        ],
    ),
    (
        "switching.rst#Method Calls",
        [
            "In Django, methods are called implicitly, without parentheses.",
            "In Jinja, using parentheses is required for calls, like in Python. This allows you to pass variables to the method, which is not possible in Django. This syntax is also used for calling macros.",
        ],
        [
            (
                P,
                "Django calls methods implicitly without parentheses, whereas Jinja requires parentheses for calls, as Python does.",
            ),
            (
                S,
                "Because Jinja calls take parentheses, you can pass variables to a method, which Django can't do; macros are called the same way.",
            ),
            (
                NAME,
                "In Jinja, methods are called implicitly without parentheses, while Django requires parentheses like Python.",
            ),
            (NEG, "In Jinja parentheses are optional for calls."),
            (SCOPE, "Jinja requires parentheses for method calls, but macros are called without them."),
        ],
    ),
    (
        "switching.rst#Filter Arguments",
        [
            "In Django, one literal value can be passed to a filter after a colon.",
            "In Jinja, filters can take any number of positional and keyword arguments in parentheses, like function calls. Arguments can also be variables instead of literal values.",
        ],
        [
            (P, "Django lets you pass a single literal value to a filter after a colon."),
            (
                S,
                "Jinja filters take any number of positional and keyword arguments in parentheses, like function calls, and those arguments can be variables.",
            ),
            (NUM, "In Django, up to two literal values can be passed to a filter after a colon."),
            (
                NAME,
                "In Jinja, one literal value can be passed to a filter after a colon, while Django filters take arguments in parentheses like function calls.",
            ),
            (SCOPE, "Jinja filters accept only keyword arguments in parentheses."),
            (NEG, "In Jinja, filter arguments must be literal values, not variables."),
        ],
    ),
    (
        "switching.rst#Tests",
        [
            'In addition to filters, Jinja also has "tests" used with the is operator. This operator is not the same as the Python operator.'
        ],
        [
            (P, 'Besides filters, Jinja has "tests", which you use with the is operator.'),
            (S, "Jinja's is operator, used for tests, isn't the same as Python's is operator."),
            (NEG, "Jinja's is operator is the same as the Python operator."),
            (NAME, 'Jinja also has "tests", which are used with the in operator.'),
        ],
    ),
    (
        "switching.rst#Loops",
        [
            "In Django, the special variable for the loop context is called forloop, and the empty is used for no loop items.",
            "In Jinja, the special variable for the loop context is called loop, and the else block is used for no loop items.",
        ],
        [
            (P, "Django's loop context variable is named forloop, while Jinja's is simply loop."),
            (S, "For an empty sequence, Django uses the empty tag and Jinja uses an else block on the for loop."),
            (NAME, "In Jinja the loop context variable is called forloop, and in Django it's called loop."),
            (NAME, "In Jinja, the empty block handles a loop with no items, while Django uses else."),
            (NAME, "In Jinja, the special variable for the loop context is called loopctx."),
        ],
    ),
    (
        "switching.rst#Cycle",
        [
            "In Jinja, the loop context has a cycle method.",
            "A cycler can also be assigned to a variable and used outside or across loops with the cycle() global function.",
        ],
        [
            (P, "In Jinja, alternating values in a loop is done with the cycle method of the loop context."),
            (
                S,
                "You can also assign a cycler to a variable with the cycle() global function and use it outside a loop or across several loops.",
            ),
            (SCOPE, "A cycler can only be used inside a single loop."),
            (NAME, "In Jinja, the loop context has a rotate method for alternating values."),
        ],
    ),
]

SANDBOX_TRICKS_INTEGRATION: list[Group] = [
    (
        "sandbox.rst#Sandbox",
        [
            "The Jinja sandbox can be used to render untrusted templates. Access to attributes, method calls, operators, mutating data structures, and string formatting can be intercepted and prohibited."
        ],
        [
            (
                P,
                "You can use Jinja's sandbox to render untrusted templates; it can intercept and prohibit attribute access, method calls, operators, mutation of data structures and string formatting.",
            ),
            (
                S,
                "The sandbox lets you render templates you don't trust by intercepting operations like attribute access and method calls.",
            ),
            (
                SCOPE,
                "The sandbox can intercept attribute access and method calls, but not operators or string formatting.",
            ),
            (NEG, "The Jinja sandbox should not be used to render untrusted templates."),
        ],
    ),
    (
        "sandbox.rst#Sandbox",
        [
            "A sandboxed environment can be useful, for example, to allow users of an internal reporting system to create custom emails. You would document what data is available in the templates, then the user would write a template using that information. Your code would generate the report data and pass it to the user's sandboxed template to render."
        ],
        [
            (
                P,
                "One use for a sandboxed environment is letting users of an internal reporting system write their own custom emails.",
            ),
            (
                S,
                "You document the data available to templates, users write templates against it, and your code generates the report data and renders it with the user's sandboxed template.",
            ),
            (NAME, "Your code would generate the report data and pass it to the user's compiled module to render."),
            (
                COND,
                "A sandboxed environment is only useful for reporting systems that are exposed to the public internet.",
            ),
        ],
    ),
    (
        "sandbox.rst#Security Considerations",
        [
            "The sandbox alone is not a solution for perfect security. Keep these things in mind when using the sandbox. Templates can still raise errors when compiled or rendered. Your code should attempt to catch errors instead of crashing."
        ],
        [
            (P, "The sandbox by itself doesn't give you perfect security."),
            (
                S,
                "Even sandboxed templates can raise errors at compile or render time, so your code should catch them rather than crash.",
            ),
            (NEG, "The sandbox alone is a complete solution for security."),
            (NEG, "Sandboxed templates can't raise errors when they're compiled or rendered."),
            (SCOPE, "Templates can still raise errors when rendered, though never when compiled."),
        ],
    ),
    (
        "sandbox.rst#Security Considerations",
        [
            "It is possible to construct a relatively small template that renders to a very large amount of output, which could correspond to a high use of CPU or memory. You should run your application with limits on resources such as CPU and memory to mitigate this. Jinja only renders text, it does not understand, for example, JavaScript code."
        ],
        [
            (
                P,
                "A fairly small template can render a huge amount of output and use a lot of CPU or memory, so run your application with CPU and memory limits.",
            ),
            (
                S,
                "Jinja only renders text and doesn't understand JavaScript, and a small template can blow up into huge output, so limit CPU and memory yourself.",
            ),
            (NEG, "Jinja understands JavaScript code in the templates it renders."),
            (NEG, "The sandbox prevents a small template from rendering a very large amount of output."),
            (
                NAME,
                "You should run your application with limits on resources such as disk and network to mitigate this.",
            ),
        ],
    ),
    (
        "sandbox.rst#Security Considerations",
        [
            "Pass only the data that is relevant to the template. Avoid passing global data, or objects with methods that have side effects. By default the sandbox prevents private and internal attribute access. You can override ~SandboxedEnvironment.is_safe_attribute to further restrict attributes access. Decorate methods with unsafe to prevent calling them from templates when passing objects as data. Use ImmutableSandboxedEnvironment to prevent modifying lists and dictionaries."
        ],
        [
            (
                P,
                "Only pass the template the data it needs, and avoid global data or objects whose methods have side effects.",
            ),
            (
                S,
                "By default the sandbox blocks access to private and internal attributes; override is_safe_attribute to restrict attribute access further.",
            ),
            (
                P,
                "Use ImmutableSandboxedEnvironment to prevent modifying lists and dictionaries, and decorate methods with unsafe to keep templates from calling them.",
            ),
            (NAME, "Override is_safe_callable to further restrict attribute access."),
            (NAME, "Use SandboxedEnvironment to prevent modifying lists and dictionaries."),
            (NEG, "By default the sandbox allows private and internal attribute access."),
            (P, "To stop templates from calling a method of an object you pass in, decorate the method with unsafe."),
        ],
    ),
    (
        "sandbox.rst#Operator Intercepting",
        [
            "For performance, Jinja outputs operators directly when compiling. This means it's not possible to intercept operator behavior by overriding SandboxEnvironment.call by default, because operator special methods are handled by the Python interpreter, and might not correspond with exactly one method depending on the operator's use."
        ],
        [
            (
                P,
                "For performance Jinja compiles operators directly, so by default you can't intercept them by overriding SandboxEnvironment.call.",
            ),
            (
                S,
                "Operator special methods are handled by the Python interpreter and may not map to exactly one method, which is why overriding call doesn't catch operators by default.",
            ),
            (NEG, "By default you can intercept operator behavior by overriding SandboxEnvironment.call."),
            (
                NAME,
                "Operator special methods are handled by the Jinja compiler, so they can't be intercepted through call.",
            ),
        ],
    ),
    (
        "sandbox.rst#Operator Intercepting",
        [
            "Override SandboxedEnvironment.intercepted_binops and SandboxedEnvironment.intercepted_unops with the operator symbols you want to intercept. The compiler will replace the symbols with calls to SandboxedEnvironment.call_binop and SandboxedEnvironment.call_unop instead."
        ],
        [
            (
                P,
                "To intercept operators, override intercepted_binops and intercepted_unops on SandboxedEnvironment with the operator symbols you care about.",
            ),
            (S, "The compiler then turns those operator symbols into calls to call_binop and call_unop."),
            (
                NAME,
                "Override SandboxedEnvironment.binop_table and SandboxedEnvironment.unop_table with the operator symbols you want to intercept.",
            ),
            (
                NAME,
                "Override SandboxedEnvironment.call_binop and call_unop with the operator symbols you want to intercept; the compiler replaces them with calls to intercepted_binops and intercepted_unops.",
            ),
            (
                SCOPE,
                "Once you override intercepted_binops, the compiler replaces every operator symbol with a call to call_binop.",
            ),
        ],
    ),
    (
        "nativetypes.rst#Native Python Types",
        [
            "The default ~jinja2.Environment renders templates to strings. With NativeEnvironment, rendering a template produces a native Python type. This is useful if you are using Jinja outside the context of creating text files."
        ],
        [
            (
                P,
                "A regular Environment renders templates to strings, whereas NativeEnvironment produces native Python types.",
            ),
            (S, "NativeEnvironment is handy when you use Jinja for something other than generating text files."),
            (
                NAME,
                "The default NativeEnvironment renders templates to strings, while Environment produces native Python types.",
            ),
            (NAME, "With SandboxedEnvironment, rendering a template produces a native Python type."),
            (NEG, "With NativeEnvironment, rendering a template still produces a string."),
        ],
    ),
    (
        "nativetypes.rst#Examples",
        [
            "Adding two values results in an integer, not a string with a number:",
            "Rendering a Python object produces that object as long as it is the only node:",
        ],
        [
            (
                P,
                "With a native environment, adding two values gives you an integer rather than a string containing a number.",
            ),
            (S, "If a Python object is the only node in the template, rendering returns that object itself."),
            (NEG, "Adding two values results in a string with a number, not an integer."),
            (COND, "Rendering a Python object produces that object even when the template has other nodes around it."),
        ],
    ),
    (
        "tricks.rst#Null-Default Fallback",
        [
            "Jinja supports dynamic inheritance and does not distinguish between parent and child template as long as no extends tag is visited. While this leads to the surprising behavior that everything before the first extends tag including whitespace is printed out instead of being ignored, it can be used for a neat trick."
        ],
        [
            (
                P,
                "Until an extends tag is visited, Jinja doesn't distinguish between parent and child templates, since it supports dynamic inheritance.",
            ),
            (
                S,
                "A side effect of dynamic inheritance is that everything before the first extends tag, whitespace included, gets printed rather than ignored, which enables a neat trick.",
            ),
            (NEG, "Everything before the first extends tag, including whitespace, is ignored rather than printed."),
            (NUM, "Everything before the second extends tag is printed out instead of being ignored."),
            (
                COND,
                "Jinja does not distinguish between parent and child template even after an extends tag is visited.",
            ),
        ],
    ),
    (
        "tricks.rst#Null-Default Fallback",
        [
            "However it's possible to put the extends tag into an if tag to only extend from the layout template if the standalone variable evaluates to false which it does per default if it's not defined."
        ],
        [
            (
                P,
                "You can wrap the extends tag in an if tag so the template only extends the layout when standalone is false, which it is by default when it isn't defined.",
            ),
            (
                S,
                "Putting extends inside an if on an undefined-by-default standalone variable makes extending the layout conditional.",
            ),
            (
                COND,
                "You can put the extends tag in an if tag so the template only extends the layout when the standalone variable is true.",
            ),
            (NEG, "An undefined standalone variable evaluates to true, so the layout is skipped by default."),
        ],
    ),
    (
        "tricks.rst#Alternating Rows",
        [
            "If you want to have different styles for each row of a table or list you can use the cycle method on the loop object::"
        ],
        [
            (P, "To style alternating table or list rows differently, use the loop object's cycle method."),
            (S, "loop.cycle gives each row of a table or list its own style."),
            (NAME, "To give each row of a table a different style, use the batch filter on the loop object."),
            (SCOPE, "The cycle method on the loop object only works for table rows, not list items."),
        ],
    ),
    (
        "tricks.rst#Alternating Rows",
        [
            "cycle can take an unlimited number of strings. Each time this tag is encountered the next item from the list is rendered."
        ],
        [
            (P, "cycle accepts any number of strings, and each time it's reached it renders the next one."),
            (S, "You can pass cycle as many strings as you like; it moves to the next item on every encounter."),
            (NUM, "cycle can take at most two strings, one for odd rows and one for even rows."),
            (NEG, "Each time this tag is encountered, the same first item from the list is rendered."),
        ],
    ),
    (
        "tricks.rst#Accessing the parent Loop",
        [
            "The special loop variable always points to the innermost loop. If it's desired to have access to an outer loop it's possible to alias it::"
        ],
        [
            (
                P,
                "loop always refers to the innermost loop, so to reach an outer loop you alias it to another variable.",
            ),
            (S, "To get at an outer loop's variable from inside a nested loop, assign the outer loop to an alias."),
            (NAME, "The special loop variable always points to the outermost loop."),
            (NEG, "You can't get access to an outer loop from inside an inner loop."),
        ],
    ),
    (
        "integration.rst#Flask",
        [
            "The Flask web application framework, also maintained by Pallets, uses Jinja templates by default. Flask sets up a Jinja environment and template loader for you, and provides functions to easily render templates from view functions."
        ],
        [
            (P, "Flask, which is also maintained by Pallets, uses Jinja templates by default."),
            (
                S,
                "Flask configures a Jinja environment and template loader for you and gives you functions to render templates from view functions.",
            ),
            (
                NAME,
                "The Flask web framework, maintained by the Django Software Foundation, uses Jinja templates by default.",
            ),
            (NEG, "Flask leaves setting up the Jinja environment and template loader to you."),
            (COND, "Flask uses Jinja templates only when you install the optional Jinja extra."),
        ],
    ),
    (
        "integration.rst#Babel",
        [
            "Jinja provides support for extracting gettext messages from templates via a Babel extractor entry point called jinja2.ext.babel_extract. The support is implemented as part of the i18n-extension extension. Gettext messages are extracted from both trans tags and code expressions."
        ],
        [
            (
                P,
                "Jinja can extract gettext messages from templates through a Babel extractor entry point named jinja2.ext.babel_extract.",
            ),
            (
                S,
                "Message extraction is part of the i18n extension and picks up gettext messages from both trans tags and code expressions.",
            ),
            (
                NAME,
                "Jinja supports extracting gettext messages via a Babel extractor entry point called jinja2.ext.i18n_extract.",
            ),
            (SCOPE, "Gettext messages are extracted only from trans tags, not from code expressions."),
            (NAME, "The extraction support is implemented as part of the autoescape extension."),
        ],
    ),
    (
        "integration.rst#Babel",
        [
            "jinja-extensions may also be defined by passing a comma separated list of import paths as the extensions value. The i18n extension is added automatically. Template syntax errors are ignored by default. The assumption is that tests will catch syntax errors in templates. If you don't want to ignore errors, add silent = false to the settings."
        ],
        [
            (
                P,
                "You can list extra Jinja extensions as a comma-separated list of import paths in the extensions value; the i18n extension is added automatically.",
            ),
            (
                S,
                "The extractor ignores template syntax errors by default, assuming your tests catch them; set silent = false if you don't want them ignored.",
            ),
            (NEG, "Template syntax errors are reported by default; add silent = true to ignore them."),
            (NEG, "You have to add the i18n extension to the extensions value yourself."),
            (COND, "Template syntax errors are ignored only when you add silent = false to the settings."),
        ],
    ),
    (
        "integration.rst#Pylons",
        [
            "After that you can render Jinja templates by using the render_jinja function from the pylons.templating module. Additionally it's a good idea to set the Pylons c object to strict mode. By default attribute access on missing attributes on the c object returns an empty string and not an undefined object."
        ],
        [
            (
                P,
                "Once configured, Pylons renders Jinja templates with the render_jinja function from pylons.templating.",
            ),
            (
                S,
                "It's advisable to put the Pylons c object in strict mode, because by default a missing attribute on c gives an empty string rather than an undefined object.",
            ),
            (NAME, "You can render Jinja templates with the render_jinja function from the pylons.controllers module."),
            (
                NEG,
                "By default, accessing a missing attribute on the c object returns an undefined object, not an empty string.",
            ),
        ],
    ),
]

API: list[Group] = [
    (
        "api.rst#API",
        [
            "This document describes the API to Jinja and not the template language (for that, see /templates). It will be most useful as reference to those implementing the template interface to the application and not those who are creating Jinja templates."
        ],
        [
            (P, "This part of the docs covers Jinja's API, not the template language."),
            (
                S,
                "The API reference is mostly for people wiring the template interface into an application, not for template authors.",
            ),
            (NEG, "This document describes the template language rather than the API."),
            (
                NAME,
                "It will be most useful to those creating Jinja templates, not those implementing the template interface to the application.",
            ),
        ],
    ),
    (
        "api.rst#Basics",
        [
            "Jinja uses a central object called the template Environment. Instances of this class are used to store the configuration and global objects, and are used to load templates from the file system or other locations. Even if you are creating templates from strings by using the constructor of Template class, an environment is created automatically for you, albeit a shared one."
        ],
        [
            (
                P,
                "Jinja revolves around a central object, the template Environment, which holds the configuration and global objects and loads templates from the file system or elsewhere.",
            ),
            (
                S,
                "Even creating a template from a string with the Template constructor gives you an environment automatically, though a shared one.",
            ),
            (
                NAME,
                "Jinja uses a central object called the Template, whose instances store the configuration and global objects and load templates.",
            ),
            (NEG, "If you create templates from strings with the Template constructor, no environment is created."),
            (SCOPE, "Environment instances can only load templates from the file system."),
        ],
    ),
    (
        "api.rst#Basics",
        [
            "Most applications will create one Environment object on application initialization and use that to load templates. In some cases however, it's useful to have multiple environments side by side, if different configurations are in use. The simplest way to configure Jinja to load templates for your application is to use ~loaders.PackageLoader."
        ],
        [
            (
                P,
                "Typically an application creates a single Environment when it initializes and loads its templates through it.",
            ),
            (
                S,
                "You may want several environments side by side when you need different configurations; PackageLoader is the simplest way to load an application's templates.",
            ),
            (
                NAME,
                "The simplest way to configure Jinja to load templates for your application is to use FileSystemLoader.",
            ),
            (
                COND,
                "It's useful to have multiple environments side by side even when they all use the same configuration.",
            ),
            (COND, "Most applications create one Environment object per request and use that to load templates."),
        ],
    ),
    (
        "api.rst#High Level API",
        [
            "The high-level API is the API you will use in the application to load and render Jinja templates. The low-level-api on the other side is only useful if you want to dig deeper into Jinja or develop extensions."
        ],
        [
            (P, "Your application loads and renders Jinja templates through the high-level API."),
            (S, "The low-level API is only useful for digging deeper into Jinja or writing extensions."),
            (
                NAME,
                "The low-level API is the one you use in your application to load and render templates, while the high-level API is for developing extensions.",
            ),
            (SCOPE, "The low-level API is needed by every application that renders Jinja templates."),
        ],
    ),
    (
        "api.rst#High Level API",
        [
            "If a template was created by using the Template constructor an environment is created automatically. These environments are created as shared environments which means that multiple templates may have the same anonymous environment. For all shared environments this attribute is True, else False."
        ],
        [
            (
                P,
                "A template built with the Template constructor gets an environment created automatically, and that environment is shared, so several templates can have the same anonymous environment.",
            ),
            (
                S,
                "The shared attribute is True for these automatically created shared environments and False otherwise.",
            ),
            (NEG, "For all shared environments this attribute is False."),
            (
                NEG,
                "Each template created with the Template constructor gets its own anonymous environment that no other template uses.",
            ),
        ],
    ),
    (
        "api.rst#Autoescaping",
        [
            "As of Jinja 2.9 the autoescape extension is removed and built-in. However autoescaping is not yet enabled by default though this will most likely change in the future. It's recommended to configure a sensible default for autoescaping. This makes it possible to enable and disable autoescaping on a per-template basis (HTML versus text for instance)."
        ],
        [
            (
                P,
                "Since Jinja 2.9 autoescaping is built in rather than an extension, but it still isn't on by default, though that will probably change.",
            ),
            (
                S,
                "Configure a sensible autoescaping default so it can be turned on or off per template, e.g. on for HTML and off for text.",
            ),
            (NUM, "As of Jinja 2.4 the autoescape extension is removed and built-in."),
            (NEG, "Autoescaping is enabled by default as of Jinja 2.9."),
            (SCOPE, "Autoescaping can only be enabled or disabled for the whole environment, not per template."),
        ],
    ),
    (
        "api.rst#Autoescaping",
        [
            "Here a recommended setup that enables autoescaping for templates ending in '.html', '.htm' and '.xml' and disabling it by default for all other extensions. You can use the ~jinja2.select_autoescape function for this::"
        ],
        [
            (
                P,
                "The recommended setup turns autoescaping on for templates ending in .html, .htm and .xml and off by default for every other extension.",
            ),
            (
                S,
                "select_autoescape lets you enable autoescaping for HTML and XML templates and leave it off for the rest.",
            ),
            (
                SCOPE,
                "The recommended setup enables autoescaping for templates ending in .html and disables it for all other extensions, including .xml.",
            ),
            (
                NAME,
                "You can use the pass_eval_context function to enable autoescaping for .html, .htm and .xml templates.",
            ),
            (
                COND,
                "The recommended setup enables autoescaping for all templates except those ending in .html, .htm and .xml.",
            ),
        ],
    ),
    (
        "api.rst#Notes on Identifiers",
        [
            "Jinja uses Python naming rules. Valid identifiers can be any combination of characters accepted by Python. Filters and tests are looked up in separate namespaces and have slightly modified identifier syntax. Filters and tests may contain dots to group filters and tests by topic."
        ],
        [
            (
                P,
                "Jinja follows Python's naming rules, so any combination of characters Python accepts is a valid identifier.",
            ),
            (
                S,
                "Filters and tests live in their own namespaces and may contain dots, which lets you group them by topic.",
            ),
            (NEG, "Filters and tests are looked up in the same namespace."),
            (SCOPE, "Any identifier in Jinja may contain dots to group names by topic."),
        ],
    ),
    (
        "api.rst#Undefined Types",
        [
            "The Environment constructor takes an undefined parameter that can be one of those classes or a custom subclass of Undefined. Whenever the template engine is unable to look up a name or access an attribute one of those objects is created and returned. Some operations on undefined values are then allowed, others fail."
        ],
        [
            (
                P,
                "You pass the Environment constructor an undefined parameter, which can be one of these classes or your own subclass of Undefined.",
            ),
            (
                S,
                "When the engine can't look up a name or an attribute, it creates and returns an undefined object; some operations on it are allowed and others fail.",
            ),
            (NAME, "The Template constructor takes an undefined parameter that can be a custom subclass of Undefined."),
            (SCOPE, "Every operation on an undefined value fails."),
            (
                COND,
                "An undefined object is created only when the template engine is unable to access an attribute, not when it can't look up a name.",
            ),
        ],
    ),
    (
        "api.rst#Undefined Types",
        [
            "The closest to regular Python behavior is the StrictUndefined which disallows all operations beside testing if it's an undefined object."
        ],
        [
            (
                P,
                "StrictUndefined comes closest to normal Python behavior: the only thing it allows is testing whether it's undefined.",
            ),
            (S, "StrictUndefined disallows every operation except checking whether a value is undefined."),
            (
                NAME,
                "The closest to regular Python behavior is ChainableUndefined, which disallows all operations beside testing if it's an undefined object.",
            ),
            (SCOPE, "StrictUndefined disallows all operations, including testing whether it's an undefined object."),
        ],
    ),
    (
        "api.rst#The Context",
        [
            "The template local variables. This list contains environment and context functions from the parent scope as well as local modifications and exported variables from the template. The template will modify this dict during template evaluation but filters and context functions are not allowed to modify it."
        ],
        [
            (
                P,
                "vars holds the template's local variables, including environment and context functions from the parent scope plus local modifications and exported variables.",
            ),
            (S, "The template modifies this dict while it is evaluated, but filters and context functions must not."),
            (NEG, "Filters and context functions are allowed to modify this dict during template evaluation."),
            (
                NAME,
                "The template will modify this dict during evaluation, but filters and macros are not allowed to modify it.",
            ),
        ],
    ),
    (
        "api.rst#Loaders",
        [
            "Loaders are responsible for loading templates from a resource such as the file system. The environment will keep the compiled modules in memory like Python's sys.modules. Unlike sys.modules however this cache is limited in size by default and templates are automatically reloaded. All loaders are subclasses of BaseLoader. If you want to create your own loader, subclass BaseLoader and override get_source."
        ],
        [
            (
                P,
                "Loaders load templates from a resource such as the file system, and the environment keeps the compiled modules in memory, much like sys.modules.",
            ),
            (S, "To write your own loader, subclass BaseLoader and override get_source."),
            (
                NEG,
                "Like sys.modules, this cache is unlimited in size by default and templates are never reloaded automatically.",
            ),
            (NAME, "If you want to create your own loader, subclass BaseLoader and override load_bytecode."),
            (NAME, "All loaders are subclasses of FileSystemLoader."),
            (
                SCOPE,
                "The environment keeps compiled modules in memory, but only for templates loaded from the file system.",
            ),
        ],
    ),
    (
        "api.rst#Bytecode Cache",
        [
            "Jinja 2.1 and higher support external bytecode caching. Bytecode caches make it possible to store the generated bytecode on the file system or a different location to avoid parsing the templates on first use. This is especially useful if you have a web application that is initialized on the first request and Jinja compiles many templates at once which slows down the application. To use a bytecode cache, instantiate it and pass it to the Environment."
        ],
        [
            (
                P,
                "Since Jinja 2.1 you can cache bytecode externally, storing it on the file system or elsewhere so templates aren't parsed on first use.",
            ),
            (
                S,
                "A bytecode cache helps most for web apps initialized on the first request, where compiling many templates at once slows things down; create one and pass it to the Environment.",
            ),
            (NUM, "Jinja 2.2 and higher support external bytecode caching."),
            (SCOPE, "Bytecode caches can only store the generated bytecode on the file system."),
            (NAME, "To use a bytecode cache, instantiate it and pass it to the Template."),
            (COND, "External bytecode caching is only worth it when the application compiles templates one at a time."),
        ],
    ),
    (
        "api.rst#Async Support",
        [
            "Jinja supports the Python async and await syntax. For the template designer, this support (when enabled) is entirely transparent, templates continue to look exactly the same. However, developers should be aware of the implementation as it affects what types of APIs you can use. By default, async support is disabled."
        ],
        [
            (
                P,
                "Jinja supports Python's async and await syntax, and once enabled it's fully transparent to template designers: templates look exactly the same.",
            ),
            (
                S,
                "Async support is off by default, and developers should understand how it's implemented because it limits which APIs they can use.",
            ),
            (NEG, "By default, async support is enabled."),
            (NEG, "When async support is enabled, template designers must write templates differently."),
            (COND, "Async support is transparent for template designers only while it is disabled."),
        ],
    ),
    (
        "api.rst#Async Support",
        [
            "Enabling it will cause the environment to compile different code behind the scenes in order to handle async and sync code in an asyncio event loop. This has the following implications: - Template rendering requires an event loop to be available to the current thread. asyncio.get_running_loop must return an event loop. - The compiled code uses await for functions and attributes, and uses async for loops."
        ],
        [
            (
                P,
                "Turning async on makes the environment compile different code so it can handle async and sync code in an asyncio event loop.",
            ),
            (
                S,
                "With async enabled, rendering needs an event loop in the current thread (asyncio.get_running_loop must return one), and the compiled code awaits functions and attributes and uses async for loops.",
            ),
            (NAME, "Template rendering requires an event loop, so asyncio.new_event_loop must return an event loop."),
            (COND, "Template rendering requires an event loop only when the template calls async functions."),
            (SCOPE, "The compiled code uses await only for functions, not attributes."),
        ],
    ),
    (
        "api.rst#Policies",
        [
            "Starting with Jinja 2.9 policies can be configured on the environment which can slightly influence how filters and other template constructs behave. They can be configured with the ~jinja2.Environment.policies attribute."
        ],
        [
            (
                P,
                "Since Jinja 2.9 you can set policies on the environment to slightly change how filters and other template constructs behave.",
            ),
            (S, "Policies are set through the Environment.policies attribute."),
            (NUM, "Starting with Jinja 3.0 policies can be configured on the environment."),
            (NAME, "Policies are configured with the Environment.globals attribute."),
        ],
    ),
    (
        "api.rst#Policies",
        [
            "truncate.leeway: Configures the leeway default for the truncate filter. Leeway as introduced in 2.9 but to restore compatibility with older templates it can be configured to 0 to get the old behavior back. The default is 5. urlize.rel: A string that defines the items for the rel attribute of generated links with the urlize filter. These items are always added. The default is noopener."
        ],
        [
            (
                P,
                "truncate.leeway sets the truncate filter's default leeway, which is 5; set it to 0 to get the pre-2.9 behavior back for older templates.",
            ),
            (S, "urlize.rel defines the rel items added to links generated by urlize, and it defaults to noopener."),
            (NUM, "truncate.leeway defaults to 0; set it to 5 to restore the old behavior."),
            (NUM, "Leeway was introduced in 2.8."),
            (NAME, "urlize.rel defaults to nofollow."),
            (COND, "The urlize.rel items are added only when the link has no target."),
            (NAME, "truncate.leeway configures the leeway default for the wordwrap filter."),
        ],
    ),
    (
        "api.rst#Custom Filters",
        [
            "Filters are Python functions that take the value to the left of the filter as the first argument and produce a new value. Arguments passed to the filter are passed after the value. For example, the filter {{ 42|myfilter(23) }} is called behind the scenes as myfilter(42, 23)."
        ],
        [
            (
                P,
                "A filter is a Python function that receives the value to the left of the filter as its first argument and returns a new value.",
            ),
            (
                S,
                "Any arguments you give the filter come after the value, so {{ 42|myfilter(23) }} becomes myfilter(42, 23).",
            ),
            (NUM, "The filter {{ 42|myfilter(23) }} is called behind the scenes as myfilter(23, 42)."),
            (NEG, "Filters take the value to the left of the filter as the last argument."),
        ],
    ),
    (
        "api.rst#Custom Filters",
        [
            "Jinja comes with some built-in filters. To use a custom filter, write a function that takes at least a value argument, then register it in Environment.filters."
        ],
        [
            (
                P,
                "Besides Jinja's built-in filters, you can write your own: a function taking at least a value argument, registered in Environment.filters.",
            ),
            (S, "Custom filters are plain functions with a value argument, added to Environment.filters."),
            (
                NAME,
                "To use a custom filter, write a function that takes at least a value argument, then register it in Environment.tests.",
            ),
            (NUM, "A custom filter function must take at least two arguments."),
        ],
    ),
    (
        "api.rst#Custom Tests",
        [
            "Test are Python functions that take the value to the left of the test as the first argument, and return True or False. Arguments passed to the test are passed after the value. For example, the test {{ 42 is even }} is called behind the scenes as is_even(42). Jinja comes with some built-in tests. To use a custom tests, write a function that takes at least a value argument, then register it in Environment.tests."
        ],
        [
            (
                P,
                "Tests are Python functions that take the value on the left of the test as their first argument and return True or False.",
            ),
            (
                S,
                "{{ 42 is even }} calls is_even(42) behind the scenes; custom tests are functions with a value argument registered in Environment.tests.",
            ),
            (
                NAME,
                "To use a custom test, write a function that takes a value argument and register it in Environment.filters.",
            ),
            (SCOPE, "Tests can return any value, not just True or False."),
            (NAME, "The test {{ 42 is even }} is called behind the scenes as even(42, True)."),
        ],
    ),
    (
        "api.rst#Evaluation Context",
        [
            "The evaluation context (short eval context or eval ctx) makes it possible to activate and deactivate compiled features at runtime. Currently it is only used to enable and disable automatic escaping, but it can be used by extensions as well. The autoescape setting should be checked on the evaluation context, not the environment. The evaluation context will have the computed value for the current template."
        ],
        [
            (P, "The evaluation context (eval ctx) lets compiled features be switched on and off at runtime."),
            (
                S,
                "Right now the eval context only toggles automatic escaping, though extensions can use it too; check autoescape on it rather than on the environment, since it has the value computed for the current template.",
            ),
            (NAME, "The autoescape setting should be checked on the environment, not the evaluation context."),
            (
                SCOPE,
                "The evaluation context is used to enable and disable automatic escaping, line statements and async support.",
            ),
            (NEG, "Extensions can't use the evaluation context."),
        ],
    ),
    (
        "api.rst#The Global Namespace",
        [
            "The global namespace stores variables and functions that should be available without needing to pass them to Template.render. They are also available to templates that are imported or included without context. Most applications should only use Environment.globals."
        ],
        [
            (
                P,
                "The global namespace holds variables and functions that templates can use without you passing them to Template.render.",
            ),
            (
                S,
                "Globals are available even to templates imported or included without context, and most applications should stick to Environment.globals.",
            ),
            (NEG, "Globals are not available to templates imported or included without context."),
            (NAME, "Most applications should only use Template.globals."),
        ],
    ),
    (
        "api.rst#The Global Namespace",
        [
            "Environment.globals are intended for data that is common to all templates loaded by that environment. Template.globals are intended for data that is common to all renders of that template, and default to Environment.globals unless they're given in Environment.get_template, etc. Data that is specific to a render should be passed as context to Template.render."
        ],
        [
            (
                P,
                "Put data shared by every template of an environment in Environment.globals, and data shared by every render of one template in Template.globals.",
            ),
            (
                S,
                "Template.globals fall back to Environment.globals unless given in get_template, and per-render data belongs in the context passed to render.",
            ),
            (
                NAME,
                "Template.globals are intended for data common to all templates loaded by the environment, and Environment.globals for data common to all renders of one template.",
            ),
            (NAME, "Data that is specific to a render should be put in Environment.globals."),
            (
                COND,
                "Template.globals default to Environment.globals only when they're given in Environment.get_template.",
            ),
        ],
    ),
    (
        "api.rst#The Global Namespace",
        [
            "Only one set of globals is used during any specific rendering. If templates A and B both have template globals, and B extends A, then only B's globals are used for both when using b.render()."
        ],
        [
            (P, "Any one rendering uses a single set of globals."),
            (S, "If B extends A and both have template globals, b.render() uses only B's globals for both templates."),
            (
                NAME,
                "If templates A and B both have template globals and B extends A, only A's globals are used when rendering B.",
            ),
            (SCOPE, "If B extends A, b.render() merges the globals of A and B."),
        ],
    ),
    (
        "api.rst#Low Level API",
        [
            "The low level API exposes functionality that can be useful to understand some implementation details, debugging purposes or advanced extension techniques. Unless you know exactly what you are doing we don't recommend using any of those."
        ],
        [
            (
                P,
                "The low-level API exposes functionality that helps with understanding implementation details, debugging or advanced extension techniques.",
            ),
            (S, "Unless you really know what you're doing, the Jinja docs advise against using the low-level API."),
            (NEG, "Using the low-level API is recommended for most applications."),
            (SCOPE, "The low level API is only useful for debugging purposes."),
        ],
    ),
]

TEMPLATES: list[Group] = [
    (
        "templates.rst#Synopsis",
        [
            "A Jinja template is simply a text file. Jinja can generate any text-based format (HTML, XML, CSV, LaTeX, etc.). A Jinja template doesn't need to have a specific extension: .html, .xml, or any other extension is just fine."
        ],
        [
            (
                P,
                "A Jinja template is just a text file, and it can produce any text-based format such as HTML, XML, CSV or LaTeX.",
            ),
            (S, "Templates don't need any particular extension; .html, .xml or anything else works."),
            (NEG, "A Jinja template needs a specific extension such as .jinja."),
            (SCOPE, "Jinja can generate HTML and XML but not other text formats like CSV or LaTeX."),
        ],
    ),
    (
        "templates.rst#Synopsis",
        [
            "Line Statements and Comments are also possible, though they don't have default prefix characters. To use them, set line_statement_prefix and line_comment_prefix when creating the ~jinja2.Environment."
        ],
        [
            (P, "Line statements and line comments exist but have no default prefix characters."),
            (
                S,
                "To use line statements and comments, set line_statement_prefix and line_comment_prefix when you create the Environment.",
            ),
            (
                NEG,
                "Line statements and comments have default prefix characters, so they work without any configuration.",
            ),
            (NAME, "To use them, set line_statement_prefix and line_comment_prefix when rendering the Template."),
        ],
    ),
    (
        "templates.rst#Template File Extension",
        [
            "As stated above, any file can be loaded as a template, regardless of file extension. Adding a .jinja extension, like user.html.jinja may make it easier for some IDEs or editor plugins, but is not required. Autoescaping, introduced later, can be applied based on file extension, so you'll need to take the extra suffix into account in that case."
        ],
        [
            (
                P,
                "Any file can be loaded as a template whatever its extension; a .jinja suffix like user.html.jinja can help some IDEs or editor plugins but isn't required.",
            ),
            (
                S,
                "If you add a .jinja suffix, remember that autoescaping can be chosen by file extension, so account for the extra suffix.",
            ),
            (NEG, "Templates must use the .jinja extension, like user.html.jinja."),
            (COND, "Any file can be loaded as a template, provided it has a .html or .jinja extension."),
        ],
    ),
    (
        "templates.rst#Variables",
        [
            "If a variable or attribute does not exist, you will get back an undefined value. What you can do with that kind of value depends on the application configuration: the default behavior is to evaluate to an empty string if printed or iterated over, and to fail for every other operation."
        ],
        [
            (P, "Accessing a variable or attribute that doesn't exist gives you an undefined value."),
            (
                S,
                "By default an undefined value prints or iterates as an empty string, and every other operation on it fails; the application's configuration decides this.",
            ),
            (NEG, "By default, printing an undefined value raises an error."),
            (SCOPE, "By default an undefined value evaluates to an empty string for every operation."),
        ],
    ),
    (
        "templates.rst#Comments",
        [
            "To comment-out part of a line in a template, use the comment syntax which is by default set to {# ... #}. This is useful to comment out parts of the template for debugging or to add information for other template designers or yourself::"
        ],
        [
            (P, "Jinja's comment syntax is {# ... #} by default, and you can use it to comment out part of a line."),
            (
                S,
                "Comments are handy for disabling parts of a template while debugging or leaving notes for other template designers.",
            ),
            (NAME, "To comment out part of a line, use the comment syntax, which is {% ... %} by default."),
            (NEG, "Jinja comments can't be used to comment out parts of a template for debugging."),
        ],
    ),
    (
        "templates.rst#Escaping",
        [
            "The easiest way to output a literal variable delimiter ({{) is by using a variable expression::",
            "For bigger sections, it makes sense to mark a block raw.",
        ],
        [
            (P, "The simplest way to print a literal {{ is through a variable expression."),
            (S, "For a single delimiter use a variable expression; for larger sections mark the block raw."),
            (
                NAME,
                "The easiest way to output a literal variable delimiter is to mark a block raw; for bigger sections, use a variable expression.",
            ),
            (SCOPE, "A raw block is the only way to output a literal variable delimiter."),
        ],
    ),
    (
        "templates.rst#Line Statements",
        [
            "The line statement prefix can appear anywhere on the line as long as no text precedes it. For better readability, statements that start a block (such as for, if, elif etc.) may end with a colon::"
        ],
        [
            (P, "The line statement prefix may sit anywhere on a line as long as there's no text before it."),
            (S, "For readability, block-starting line statements like for, if and elif may end with a colon."),
            (COND, "The line statement prefix can appear anywhere on the line, even after other text."),
            (NEG, "Statements that start a block must not end with a colon."),
        ],
    ),
    (
        "templates.rst#Line Statements",
        [
            "Since Jinja 2.2, line-based comments are available as well. For example, if the line-comment prefix is configured to be ##, everything from ## to the end of the line is ignored (excluding the newline sign)::"
        ],
        [
            (P, "Line-based comments have been available since Jinja 2.2."),
            (
                S,
                "With the line-comment prefix set to ##, everything from ## to the end of the line is ignored except the newline.",
            ),
            (NUM, "Since Jinja 2.0, line-based comments are available as well."),
            (
                SCOPE,
                "With ## as the line-comment prefix, everything from ## to the end of the line, including the newline, is ignored.",
            ),
        ],
    ),
    (
        "templates.rst#Template Inheritance",
        [
            'The most powerful part of Jinja is template inheritance. Template inheritance allows you to build a base "skeleton" template that contains all the common elements of your site and defines blocks that child templates can override.'
        ],
        [
            (
                P,
                "Template inheritance is Jinja's most powerful feature: you build a base skeleton template with your site's common elements and blocks that child templates override.",
            ),
            (S, "With inheritance, a base template holds the shared layout and child templates override its blocks."),
            (
                NAME,
                "Template inheritance lets you define blocks in child templates that the base template can override.",
            ),
            (SCOPE, "Template inheritance is the only way to share common elements between templates."),
        ],
    ),
    (
        "templates.rst#Child Template",
        [
            "The extends tag should be the first tag in the template. Everything before it is printed out normally and may cause confusion.",
            "Also a block will always be filled in regardless of whether the surrounding condition is evaluated to be true or false.",
        ],
        [
            (
                P,
                "Put the extends tag first in the template, since anything before it is printed normally and can be confusing.",
            ),
            (S, "A block is always filled in, whether or not its surrounding condition evaluates to true."),
            (COND, "A block is filled in only when the surrounding condition evaluates to true."),
            (NEG, "Everything before the extends tag is silently discarded."),
            (NUM, "The extends tag should be the last tag in the template."),
        ],
    ),
    (
        "templates.rst#Child Template",
        [
            "Note that since the child template doesn't define the footer block, the value from the parent template is used instead. You can't define multiple {% block %} tags with the same name in the same template."
        ],
        [
            (P, "When the child template doesn't define a block such as footer, the parent's content for it is used."),
            (S, "A template can't contain two {% block %} tags with the same name."),
            (NEG, "You can define multiple {% block %} tags with the same name in one template."),
            (
                NAME,
                "Since the child template doesn't define the footer block, the value from the base layout's header block is used instead.",
            ),
        ],
    ),
    (
        "templates.rst#Super Blocks | templates.rst#Nesting extends",
        [
            "It's possible to render the contents of the parent block by calling super(). This gives back the results of the parent block::",
            "In the case of multiple levels of {% extends %}, super references may be chained (as in super.super()) to skip levels in the inheritance tree.",
        ],
        [
            (P, "Calling super() renders the contents of the parent block."),
            (
                S,
                "With several levels of extends, you can chain super references such as super.super() to skip levels of the inheritance tree.",
            ),
            (NAME, "You can render the contents of the parent block by calling self()."),
            (SCOPE, "super references can't be chained; super() always renders the direct parent only."),
        ],
    ),
    (
        "templates.rst#Named Block End-Tags",
        [
            "Jinja allows you to put the name of the block after the end tag for better readability::",
            "However, the name after the endblock word must match the block name.",
        ],
        [
            (P, "For readability, you can repeat the block's name after its end tag."),
            (S, "A name after endblock is allowed, but it has to match the block's name."),
            (NEG, "The name after the endblock word doesn't have to match the block name."),
            (NAME, "Jinja lets you put the name of the block after the start tag for readability."),
        ],
    ),
    (
        "templates.rst#Block Nesting and Scope",
        [
            "Blocks can be nested for more complex layouts. However, per default blocks may not access variables from outer scopes::",
            'Starting with Jinja 2.2, you can explicitly specify that variables are available in a block by setting the block to "scoped" by adding the scoped modifier to a block declaration::',
        ],
        [
            (
                P,
                "You can nest blocks for more complex layouts, but by default a block can't see variables from outer scopes.",
            ),
            (
                S,
                "Since Jinja 2.2, adding the scoped modifier to a block declaration makes outer variables available inside it.",
            ),
            (NEG, "By default, blocks can access variables from outer scopes."),
            (NUM, "Starting with Jinja 2.4, you can add the scoped modifier to a block declaration."),
            (NAME, "You can make variables available in a block by adding the required modifier to its declaration."),
        ],
    ),
    (
        "templates.rst#Required Blocks",
        [
            "Blocks can be marked as required. They must be overridden at some point, but not necessarily by the direct child template. Required blocks may only contain space and comments, and they cannot be rendered directly."
        ],
        [
            (
                P,
                "A block can be marked required, meaning it has to be overridden somewhere, though not necessarily by the direct child.",
            ),
            (S, "Required blocks can only hold whitespace and comments and can't be rendered directly."),
            (COND, "A required block must be overridden by the direct child template."),
            (NEG, "Required blocks can be rendered directly."),
            (SCOPE, "Required blocks may contain any content, including variables and other blocks."),
        ],
    ),
    (
        "templates.rst#Required Blocks",
        [
            "Rendering page.txt or issue.txt will raise TemplateRuntimeError because they don't override the body block. Rendering bug_report.txt will succeed because it does override the block. When combined with scoped, the required modifier must be placed after the scoped modifier."
        ],
        [
            (P, "Rendering page.txt or issue.txt raises TemplateRuntimeError since neither overrides the body block."),
            (
                S,
                "bug_report.txt renders fine because it overrides the block, and when combining modifiers, required goes after scoped.",
            ),
            (
                NAME,
                "Rendering page.txt or issue.txt will raise TemplateSyntaxError because they don't override the body block.",
            ),
            (NAME, "When combined with scoped, the scoped modifier must be placed after the required modifier."),
            (NEG, "Rendering bug_report.txt will fail even though it overrides the block."),
        ],
    ),
    (
        "templates.rst#Template Objects",
        [
            "extends, include, and import can take a template object instead of the name of a template to load. This could be useful in some advanced situations, since you can use Python code to load a template first and pass it in to render."
        ],
        [
            (P, "extends, include and import accept a template object instead of a template name."),
            (
                S,
                "Passing a template object is useful in advanced cases where Python code loads the template first and hands it to render.",
            ),
            (SCOPE, "Only extends can take a template object instead of a template name."),
            (NEG, "include and import can't take a template object; they need the name of a template to load."),
        ],
    ),
    (
        "templates.rst#HTML Escaping",
        [
            "The default configuration is no automatic escaping; for various reasons: - Escaping everything except for safe values will also mean that Jinja is escaping variables known to not include HTML (e.g. numbers, booleans) which can be a huge performance hit. - The information about the safety of a variable is very fragile. It could happen that by coercing safe and unsafe values, the return value is double-escaped HTML."
        ],
        [
            (P, "By default Jinja doesn't escape automatically."),
            (
                S,
                "Escaping everything would also escape values that can't contain HTML, like numbers and booleans, which can hurt performance badly, and safety information is fragile enough that mixing safe and unsafe values can double-escape HTML.",
            ),
            (NEG, "The default configuration is automatic escaping of everything except safe values."),
            (NAME, "Coercing safe and unsafe values can return unescaped JavaScript."),
        ],
    ),
    (
        "templates.rst#Working with Automatic Escaping",
        [
            "When automatic escaping is enabled, everything is escaped by default except for values explicitly marked as safe. Variables and expressions can be marked as safe either in: a. The context dictionary by the application with markupsafe.Markup b. The template, with the |safe filter."
        ],
        [
            (P, "With automatic escaping on, everything gets escaped unless it's explicitly marked safe."),
            (
                S,
                "You can mark a value safe in the context dictionary with markupsafe.Markup, or in the template with the |safe filter.",
            ),
            (NAME, "In the template, you mark a value as safe with the |escape filter."),
            (
                NAME,
                "The application marks values safe in the context dictionary with the |safe filter, and templates use markupsafe.Markup.",
            ),
            (COND, "When automatic escaping is enabled, only values explicitly marked as unsafe are escaped."),
        ],
    ),
    (
        "templates.rst#Working with Automatic Escaping",
        [
            "If a value has been escaped but is not marked safe, auto-escaping will still take place and result in double-escaped characters. If you know you have data that is already safe but not marked, be sure to wrap it in Markup or use the |safe filter. Jinja functions (macros, super, self.BLOCKNAME) always return template data that is marked as safe. String literals in templates with automatic escaping are considered unsafe because native Python strings are not safe."
        ],
        [
            (
                P,
                "A value that was escaped but isn't marked safe gets auto-escaped again, giving double-escaped characters.",
            ),
            (
                S,
                "Wrap data you know is safe in Markup or pass it through |safe; macros, super and self.BLOCKNAME always return data marked safe, while string literals in templates count as unsafe.",
            ),
            (NEG, "String literals in templates with automatic escaping are considered safe."),
            (SCOPE, "Macros return template data marked as safe, but super and self.BLOCKNAME don't."),
            (
                COND,
                "Auto-escaping is skipped for any value that has already been escaped, even if it isn't marked safe.",
            ),
        ],
    ),
    (
        "templates.rst#Macros",
        [
            'Macros are comparable with functions in regular programming languages. They are useful to put often used idioms into reusable functions to not repeat yourself ("DRY").',
            "If the macro was defined in a different template, you have to import it first.",
        ],
        [
            (
                P,
                "Macros are like functions in ordinary programming languages, useful for putting common idioms into reusable pieces so you don't repeat yourself.",
            ),
            (S, "A macro defined in another template has to be imported before you can call it."),
            (NEG, "A macro defined in a different template can be called without importing it."),
            (NAME, "Macros are comparable with classes in regular programming languages."),
        ],
    ),
    (
        "templates.rst#Macros",
        [
            "varargs If more positional arguments are passed to the macro than accepted by the macro, they end up in the special varargs variable as a list of values. kwargs Like varargs but for keyword arguments. All unconsumed keyword arguments are stored in this special variable. caller If the macro was called from a call tag, the caller is stored in this variable as a callable macro."
        ],
        [
            (P, "Extra positional arguments beyond what a macro accepts end up in varargs as a list."),
            (
                S,
                "kwargs collects unconsumed keyword arguments, and caller holds the calling macro when the macro was invoked from a call tag.",
            ),
            (
                NAME,
                "Extra positional arguments passed to a macro end up in the special kwargs variable, while unconsumed keyword arguments go to varargs.",
            ),
            (NAME, "If the macro was called from a call tag, the caller is stored in the varargs variable."),
            (COND, "The caller variable is set even when the macro wasn't called from a call tag."),
            (NAME, "Extra positional arguments end up in varargs as a dictionary of values."),
        ],
    ),
    (
        "templates.rst#Assignments",
        [
            "Inside code blocks, you can also assign values to variables. Assignments at top level (outside of blocks, macros or loops) are exported from the template like top level macros and can be imported by other templates. Assignments use the set tag and can have multiple targets::"
        ],
        [
            (
                P,
                "Top-level assignments, outside blocks, macros and loops, are exported like top-level macros and other templates can import them.",
            ),
            (S, "Variables are assigned with the set tag, which can have several targets."),
            (SCOPE, "All assignments, including those inside loops and macros, are exported from the template."),
            (NAME, "Assignments use the with tag and can have multiple targets."),
            (NUM, "Assignments use the set tag and can have only one target."),
        ],
    ),
    (
        "templates.rst#Assignments",
        [
            "Please keep in mind that it is not possible to set variables inside a block and have them show up outside of it. This also applies to loops. The only exception to that rule are if statements which do not introduce a scope."
        ],
        [
            (P, "A variable set inside a block won't be visible outside it, and loops work the same way."),
            (
                S,
                "if statements are the exception: they don't introduce a scope, so variables set in them stay visible.",
            ),
            (NEG, "Variables set inside a loop show up outside of it."),
            (NAME, "The only exception to that rule are with statements, which do not introduce a scope."),
            (SCOPE, "Variables set inside any construct, including if statements, never show up outside of it."),
        ],
    ),
    (
        "templates.rst#Block Assignments",
        [
            "Starting with Jinja 2.8, it's possible to also use block assignments to capture the contents of a block into a variable name. This can be useful in some situations as an alternative for macros."
        ],
        [
            (P, "Since Jinja 2.8 you can use block assignments to capture a block's contents into a variable."),
            (S, "Block assignments can sometimes stand in for macros."),
            (
                NUM,
                "Starting with Jinja 2.10, you can use block assignments to capture the contents of a block into a variable.",
            ),
            (NAME, "Block assignments can be useful as an alternative for filters."),
        ],
    ),
    (
        "templates.rst#Include",
        [
            "The included template has access to context of the current template by default. Use without context to use a separate context instead. with context is also valid, but is the default behavior."
        ],
        [
            (
                P,
                "By default an included template sees the current template's context; add without context to give it a separate one.",
            ),
            (S, "Writing with context on an include is valid but changes nothing, since it's the default."),
            (NEG, "The included template doesn't have access to the context of the current template by default."),
            (NAME, "Use with context to use a separate context instead; without context is the default behavior."),
        ],
    ),
    (
        "templates.rst#Include",
        [
            "The included template can extend another template and override blocks in that template. However, the current template cannot override any blocks that the included template outputs. Use ignore missing to ignore the statement if the template does not exist. It must be placed before a context visibility statement."
        ],
        [
            (
                P,
                "An included template may extend another template and override its blocks, but the including template can't override blocks the included one outputs.",
            ),
            (
                S,
                "ignore missing skips the include when the template doesn't exist, and it has to come before any context visibility statement.",
            ),
            (NEG, "The current template can override the blocks that the included template outputs."),
            (COND, "ignore missing must be placed after a context visibility statement."),
            (COND, "Use ignore missing to ignore the statement if the template exists but fails to render."),
        ],
    ),
    (
        "templates.rst#Import Context Behavior",
        [
            "By default, included templates are passed the current context and imported templates are not. The reason for this is that imports, unlike includes, are cached; as imports are often used just as a module that holds macros."
        ],
        [
            (P, "Included templates get the current context by default; imported ones don't."),
            (
                S,
                "Imports don't receive the context because, unlike includes, they're cached, as they're often just modules holding macros.",
            ),
            (NAME, "By default, imported templates are passed the current context and included templates are not."),
            (NAME, "The reason is that includes, unlike imports, are cached."),
            (SCOPE, "By default, neither included nor imported templates are passed the current context."),
        ],
    ),
    (
        "templates.rst#Import Context Behavior",
        [
            "This behavior can be changed explicitly: by adding with context or without context to the import/include directive, the current context can be passed to the template and caching is disabled automatically."
        ],
        [
            (
                P,
                "You can change this explicitly by adding with context or without context to the import or include directive.",
            ),
            (S, "Passing the current context to an imported template turns off caching automatically."),
            (NEG, "Adding with context to an import keeps caching enabled."),
            (COND, "Caching is disabled only if you also set cache=False on the environment."),
        ],
    ),
    (
        "templates.rst#Import",
        [
            "It's important to know that imports are cached and imported templates don't have access to the current template variables, just the globals by default."
        ],
        [
            (
                P,
                "Imports are cached, and by default an imported template can only see the globals, not the current template's variables.",
            ),
            (S, "Imported templates are cached and, by default, limited to global variables."),
            (NEG, "Imports are not cached."),
            (
                SCOPE,
                "Imported templates have access to the current template variables as well as the globals by default.",
            ),
        ],
    ),
    (
        "templates.rst#If Expression",
        [
            "The general syntax is <do something> if <something is true> else <do something else>. The else part is optional. If not provided, the else block implicitly evaluates into an Undefined object (regardless of what undefined in the environment is set to):"
        ],
        [
            (
                P,
                "Inline if expressions follow the form <do something> if <something is true> else <do something else>, and the else part is optional.",
            ),
            (
                S,
                "Leaving out else makes it evaluate to an Undefined object, whatever the environment's undefined is set to.",
            ),
            (NEG, "The else part is required."),
            (
                COND,
                "Without an else part, the expression evaluates to an Undefined object only if the environment's undefined is set to Undefined.",
            ),
            (NAME, "If the else part is not provided, it implicitly evaluates into None."),
        ],
    ),
    (
        "templates.rst#Loop Controls",
        [
            "If the application enables the loopcontrols-extension, it's possible to use break and continue in loops. When break is reached, the loop is terminated; if continue is reached, the processing is stopped and continues with the next iteration."
        ],
        [
            (
                P,
                "Once the application enables the loop controls extension, you can use break and continue inside loops.",
            ),
            (
                S,
                "break ends the loop, while continue stops processing the current item and moves on to the next iteration.",
            ),
            (
                COND,
                "You can use break and continue in loops even if the application doesn't enable the loopcontrols extension.",
            ),
            (
                NAME,
                "When continue is reached the loop is terminated, and when break is reached processing continues with the next iteration.",
            ),
        ],
    ),
    (
        "templates.rst#Loop Controls",
        ["Note that loop.index starts with 1, and loop.index0 starts with 0 (See: for-loop)."],
        [
            (P, "loop.index counts from 1 while loop.index0 counts from 0."),
            (S, "loop.index is one-based and loop.index0 is zero-based."),
            (NAME, "loop.index0 starts with 1, and loop.index starts with 0."),
            (NUM, "loop.index starts with 0."),
        ],
    ),
    (
        "templates.rst#With Statement",
        [
            ".. versionadded:: 2.3 The with statement makes it possible to create a new inner scope. Variables set within this scope are not visible outside of the scope."
        ],
        [
            (P, "The with statement creates a new inner scope, and variables set inside it aren't visible outside."),
            (S, "Since 2.3, with gives you an inner scope whose variables stay inside it."),
            (NEG, "Variables set within a with scope remain visible outside of it."),
            (NUM, "The with statement was added in version 2.9."),
            (NAME, "The namespace statement makes it possible to create a new inner scope."),
        ],
    ),
    (
        "templates.rst#Autoescape Overrides",
        [
            "If you want you can activate and deactivate the autoescaping from within the templates.",
            "After an endautoescape the behavior is reverted to what it was before.",
        ],
        [
            (P, "You can turn autoescaping on and off from inside templates."),
            (S, "After an endautoescape tag, autoescaping goes back to whatever it was before the block."),
            (NEG, "After an endautoescape, autoescaping stays in the state set by the block."),
            (SCOPE, "Templates can deactivate autoescaping, but only the application can activate it."),
        ],
    ),
    (
        "templates.rst#Math",
        [
            "Jinja allows you to calculate with values. This is rarely useful in templates but exists for completeness' sake."
        ],
        [
            (
                P,
                "Jinja lets you do arithmetic with values, mostly for completeness since it's rarely useful in templates.",
            ),
            (S, "Math in templates exists for completeness rather than because it's often needed."),
            (NEG, "Jinja doesn't allow calculating with values in templates."),
            (NEG, "Calculating with values is often useful in templates."),
        ],
    ),
]

GROUPS: list[Group] = FAQ_INTRO_SWITCHING + SANDBOX_TRICKS_INTEGRATION + API + TEMPLATES


if __name__ == "__main__":
    write_cases(GROUPS, set_name=SET, id_prefix="jj", split="test6", out=OUT)
