# ruff: noqa: E501  (hand-written cases: one answer per line reads better than wrapped strings)
"""Writes `heldout_attrs.jsonl` (split `test4`): hand-written grounding cases on the attrs 24.2.0 docs.

    python bench/data/grounding/make_heldout_attrs.py

Every answer and label below was written by hand from the passage(s) of its group; the script only numbers
the cases, fills in the common fields and checks that each passage is verbatim in its parsed section (the
documents: the `docs` folder of the `attrs==24.2.0` sdist, fetched once into `bench/.cache/grounding-attrs/` —
the same fetch `bench/grounding_bench.py` uses).
"""

from __future__ import annotations

from pathlib import Path

from heldout_cases import COND, NAME, NEG, NUM, SCOPE, UNIT, Group, P, S, write_cases

OUT = Path(__file__).with_name("heldout_attrs.jsonl")
SET = "attrs"


GROUPS1 = [
    (
        "why.md#… Data Classes?",
        [
            "{pep}557 added Data Classes to Python 3.7 that resemble attrs in many ways. They are the result of the Python community's wish to have an easier way to write classes in the standard library that doesn't carry the problems of namedtuples."
        ],
        [
            (P, "Data Classes came to Python in 3.7 with PEP 557, and they resemble attrs in many ways."),
            (
                S,
                "Data Classes, added in Python 3.7, grew out of the community's wish for an easier standard-library way to write classes without namedtuples' problems.",
            ),
            (NUM, "PEP 557 added Data Classes to Python 3.6, and they look a lot like attrs."),
            (NAME, "Data Classes were added to Python 3.7 by PEP 526 and resemble attrs in many ways."),
            (NEG, "Data Classes were added in Python 3.7, but they don't resemble attrs much at all."),
        ],
    ),
    (
        "why.md#… Data Classes?",
        [
            "Data Classes are intentionally less powerful than attrs. There is a long list of features that were sacrificed for the sake of simplicity and while the most obvious ones are validators, converters, equality customization, a solution to the __init_subclass__ problem, or {doc}extensibility <extending> in general -- it permeates throughout all APIs. On the other hand, Data Classes currently do not offer any significant feature that attrs doesn't already have."
        ],
        [
            (
                P,
                "Data Classes are deliberately less powerful than attrs: features such as validators, converters and equality customization were given up for simplicity.",
            ),
            (
                S,
                "Data Classes trade features for simplicity, and there's no significant feature they offer that attrs lacks.",
            ),
            (
                NEG,
                "Data Classes were designed to be more powerful than attrs, though they dropped validators and converters for simplicity.",
            ),
            (
                SCOPE,
                "Data Classes dropped validators and converters for simplicity, but that is the only place where they are less capable than attrs.",
            ),
            (
                NAME,
                "Data Classes were made less powerful than attrs on purpose; among the features sacrificed are validators, converters and slots support.",
            ),
        ],
    ),
    (
        "why.md#… Data Classes?",
        [
            "attrs supports all mainstream Python versions including PyPy. - attrs doesn't force type annotations on you if you don't like them. - But since it also supports typing, it's the best way to embrace type hints gradually, too."
        ],
        [
            (
                P,
                "attrs runs on all the mainstream Python versions, PyPy included, and it won't force type annotations on you.",
            ),
            (S, "Because attrs supports typing without requiring it, it's the best way to adopt type hints gradually."),
            (
                NEG,
                "attrs supports all mainstream Python versions except PyPy, and it doesn't force type annotations on you.",
            ),
            (COND, "attrs only lets you skip type annotations if you are running on PyPy."),
        ],
    ),
    (
        "why.md#… Data Classes?",
        [
            "While Data Classes are implementing features from attrs every now and then, their presence is dependent on the Python version, not the package version. For example, support for __slots__ has only been added in Python 3.10, but it doesn’t do cell rewriting and therefore doesn’t support bare calls to super()."
        ],
        [
            (
                P,
                "Whether a Data Classes feature is available depends on your Python version rather than a package version; __slots__ support, for instance, only arrived in Python 3.10.",
            ),
            (
                S,
                "Data Classes pick up attrs features over time, but tied to Python releases: __slots__ came in 3.10 and still lacks cell rewriting, so bare super() calls don't work.",
            ),
            (
                NUM,
                "Data Classes only got __slots__ support in Python 3.8, and without cell rewriting bare super() calls don't work.",
            ),
            (
                NEG,
                "Data Classes added __slots__ support in Python 3.10, and since it does cell rewriting, bare calls to super() work.",
            ),
            (
                NAME,
                "Data Classes gained __slots__ support in Python 3.10, but because it doesn't do cell rewriting it doesn't support bare calls to __init_subclass__().",
            ),
        ],
    ),
    (
        "why.md#… Data Classes?",
        [
            "attrs can and will move faster. We are not bound to any release schedules and we have a clear deprecation policy. One of the reasons to not vendor attrs in the standard library was to not impede attrs's future development."
        ],
        [
            (
                P,
                "attrs can move faster because it isn't tied to any release schedule, and it has a clear deprecation policy.",
            ),
            (
                S,
                "Part of why attrs wasn't vendored into the standard library was to keep from holding back its future development.",
            ),
            (NEG, "attrs is bound to the Python release schedule, but it has a clear deprecation policy."),
            (
                NAME,
                "One reason attrs wasn't vendored into the standard library was to avoid impeding the future development of dataclasses.",
            ),
        ],
    ),
    (
        "why.md#… Pydantic?",
        [
            "Pydantic is first and foremost a data validation & type coercion library. As such, it is a capable complement to class building libraries like attrs (or Data Classes!) for parsing and validating untrusted data."
        ],
        [
            (P, "Pydantic is primarily a library for data validation and type coercion."),
            (
                S,
                "Pydantic is a capable complement to class builders such as attrs or Data Classes when you need to parse and validate untrusted data.",
            ),
            (
                NAME,
                "cattrs is first and foremost a data validation and type coercion library that complements attrs for untrusted data.",
            ),
            (
                NEG,
                "Pydantic isn't a good complement to attrs or Data Classes for parsing and validating untrusted data.",
            ),
            (SCOPE, "Pydantic complements class-building libraries for validating any kind of data, trusted or not."),
        ],
    ),
    (
        "why.md#… Pydantic?",
        ["In the parlance of Form, Command, and Model Validation, Pydantic is the right tool for Commands."],
        [
            (P, "Using the Form, Command, and Model Validation terminology, Pydantic is the right tool for Commands."),
            (S, "In Form/Command/Model validation terms, Pydantic fits the Command layer."),
            (NAME, "In the language of Form, Command, and Model Validation, Pydantic is the right tool for Models."),
            (NEG, "In Form, Command, and Model Validation terms, Pydantic is not the right tool for Commands."),
        ],
    ),
    (
        "why.md#… Pydantic?",
        [
            "attrs emphatically does not try to be a validation library, but a toolkit to write well-behaved classes like you would write yourself. If you'd like a powerful library for structuring, unstructuring, and validating data, have a look at cattrs which is an official member of the attrs family."
        ],
        [
            (
                P,
                "attrs deliberately isn't a validation library; it's a toolkit for writing well-behaved classes like the ones you'd write yourself.",
            ),
            (
                S,
                "For structuring, unstructuring and validating data, the attrs project points you to cattrs, an official member of the attrs family.",
            ),
            (
                NEG,
                "attrs is meant to be a validation library first and a toolkit for writing well-behaved classes second.",
            ),
            (
                NAME,
                "If you need powerful structuring and validation, look at Pydantic, which is an official member of the attrs family.",
            ),
            (
                SCOPE,
                "cattrs, part of the attrs family, is meant only for validating data, not for structuring or unstructuring it.",
            ),
        ],
    ),
    (
        "why.md#… namedtuples?",
        [
            "Since they are a subclass of tuples, namedtuples have a length and are both iterable and indexable. That's not what you'd expect from a class and is likely to shadow subtle typo bugs. - Iterability also implies that it's easy to accidentally unpack a namedtuple which leads to hard-to-find bugs."
        ],
        [
            (
                P,
                "Because namedtuples subclass tuple, they have a length and can be iterated and indexed, which you wouldn't expect from a class and which can hide subtle typo bugs.",
            ),
            (
                S,
                "Being tuples underneath, namedtuples are iterable, so it's easy to unpack one by accident and end up with hard-to-find bugs.",
            ),
            (NEG, "Since namedtuples are a subclass of tuples, they have a length but aren't indexable."),
            (NAME, "Because namedtuples are a subclass of dicts, they have a length and are iterable and indexable."),
        ],
    ),
    (
        "why.md#… namedtuples?",
        [
            "namedtuples are always immutable. Not only does that mean that you can't decide for yourself whether your instances should be immutable or not, it also means that if you want to influence your class' initialization (validation? default values?), you have to implement {meth}__new__() <object.__new__> which is a particularly hacky and error-prone requirement for a very common problem."
        ],
        [
            (P, "namedtuples are always immutable, so you can't choose for yourself whether your instances should be."),
            (
                S,
                "Because namedtuples are immutable, customising initialization such as validation or defaults means implementing __new__(), which is hacky and error-prone.",
            ),
            (
                SCOPE,
                "namedtuples are immutable by default, but you can decide per class whether instances should be mutable.",
            ),
            (
                NAME,
                "To influence a namedtuple's initialization, for example with validation or default values, you have to implement __init__(), which is hacky and error-prone.",
            ),
            (NEG, "namedtuples are always mutable, and to influence initialization you have to implement __new__()."),
        ],
    ),
    (
        "why.md#… namedtuples?",
        [
            "All these things make namedtuples a particularly poor choice for public APIs because all your objects are irrevocably tainted. With attrs your users won't notice a difference because it creates regular, well-behaved classes."
        ],
        [
            (
                P,
                "namedtuples are a particularly poor choice for public APIs, since every object is irrevocably tainted.",
            ),
            (
                S,
                "attrs creates regular, well-behaved classes, so users of your public API won't notice a difference, unlike with namedtuples.",
            ),
            (NEG, "namedtuples are a good choice for public APIs, while attrs creates regular, well-behaved classes."),
            (
                NAME,
                "dicts are a particularly poor choice for public APIs because all your objects are irrevocably tainted.",
            ),
        ],
    ),
    (
        "why.md#Extendability",
        [
            "Imagine you have a function that takes or returns a tuple. Especially if you use tuple unpacking (eg. x, y = get_point()), adding additional data means that you have to change the invocation of that function everywhere. Adding an attribute to a class concerns only those who actually care about that attribute."
        ],
        [
            (
                P,
                "If a function takes or returns a tuple, adding more data means changing every call of that function, especially when you use tuple unpacking.",
            ),
            (
                S,
                "With a class, adding an attribute only affects the code that actually cares about it, whereas extending a tuple forces changes at every call site.",
            ),
            (SCOPE, "Adding an attribute to a class affects every caller of the functions that use that class."),
            (
                COND,
                "Adding data to a returned tuple only forces you to change the calls of the function when you don't use tuple unpacking.",
            ),
        ],
    ),
    (
        "why.md#… dicts?",
        [
            "Dictionaries are not for fixed fields. If you have a dict, it maps something to something else. You should be able to add and remove values. attrs lets you be specific about those expectations; a dictionary does not."
        ],
        [
            (
                P,
                "Dictionaries aren't meant for fixed fields: a dict maps something to something else, and you should be able to add and remove values.",
            ),
            (S, "attrs lets you be specific about which fields to expect, which a dictionary can't do."),
            (NEG, "Dictionaries are meant for fixed fields, and attrs lets you be specific about those expectations."),
            (NAME, "A namedtuple maps something to something else, so you should be able to add and remove values."),
        ],
    ),
    (
        "why.md#… dicts?",
        [
            "In other words: if your dict has a fixed and known set of keys, it is an object, not a hash. So if you never iterate over the keys of a dict, you should use a proper class."
        ],
        [
            (P, "A dict with a fixed, known set of keys is really an object rather than a hash."),
            (S, "If you never iterate over a dict's keys, you should use a proper class instead."),
            (COND, "If you iterate over the keys of a dict, you should use a proper class instead."),
            (NEG, "Even if your dict has a fixed and known set of keys, it's still a hash, not an object."),
        ],
    ),
    (
        "why.md#… hand-written classes?",
        [
            "While we're fans of all things artisanal, writing the same nine methods again and again doesn't qualify. I usually manage to get some typos inside and there's simply more code that can break and thus has to be tested."
        ],
        [
            (
                P,
                "Writing the same nine methods over and over isn't a craft worth keeping; it invites typos, and there's more code that can break and needs testing.",
            ),
            (S, "Hand-writing the same nine methods for every class means more typos and more code to test."),
            (
                NUM,
                "Writing the same seven methods again and again invites typos and means more code that has to be tested.",
            ),
            (NEG, "Writing the same nine methods by hand rarely introduces typos, but it is still more code to test."),
        ],
    ),
    (
        "why.md#… hand-written classes?",
        [
            "It also should be noted that attrs is not an all-or-nothing solution. You can freely choose which features you want and disable those that you want more control over:"
        ],
        [
            (
                P,
                "attrs isn't all-or-nothing: you pick the features you want and turn off the ones you'd rather control yourself.",
            ),
            (
                S,
                "You can disable any attrs feature you want more control over, because attrs isn't an all-or-nothing solution.",
            ),
            (NEG, "attrs is an all-or-nothing solution, although you can choose which features you want."),
            (COND, "You can only disable attrs features once you've enabled every other feature you want."),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            ":::{warning} The overarching theme is to never set the @attrs.define(unsafe_hash=X) parameter yourself. Leave it at None which means that attrs will do the right thing for you, depending on the other parameters: - If you want to make objects hashable by value: use @define(frozen=True). - If you want hashing and equality by object identity: use @define(eq=False)"
        ],
        [
            (
                P,
                "Never set the unsafe_hash parameter of @attrs.define yourself; leave it at None so attrs does the right thing based on the other parameters.",
            ),
            (
                S,
                "To make objects hashable by value, use @define(frozen=True); for hashing and equality by object identity, use @define(eq=False).",
            ),
            (
                NAME,
                "If you want objects hashable by value, use @define(eq=False); for hashing by identity, use @define(frozen=True).",
            ),
            (NEG, "You should set the unsafe_hash parameter yourself rather than leave it at None."),
            (
                NAME,
                "Leave unsafe_hash at True so that attrs does the right thing for you, depending on the other parameters.",
            ),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            "attrs will happily write a __hash__ method for you [^fn1], however it will not do so by default. Because according to the definition from the official Python docs, the returned hash has to fulfill certain constraints:"
        ],
        [
            (P, "attrs will write a __hash__ method for you, but it doesn't do that by default."),
            (
                S,
                "attrs doesn't write __hash__ by default, because the Python docs require a returned hash to fulfil certain constraints.",
            ),
            (NEG, "attrs writes a __hash__ method for you by default."),
            (
                NAME,
                "attrs will gladly write an __eq__ method for you, but not by default, because the returned hash must satisfy certain constraints.",
            ),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            "By default, Python classes are compared and hashed by their id. That means that every instance of a class has a different hash, no matter what attributes it carries. It follows that the moment you (or attrs) change the way equality is handled by implementing __eq__ which is based on attribute values, this constraint is broken. For that reason Python 3 will make a class that has customized equality unhashable."
        ],
        [
            (
                P,
                "By default, Python compares and hashes classes by id, so every instance has a different hash whatever its attributes.",
            ),
            (
                S,
                "Once equality is based on attribute values through a custom __eq__, hashing by id breaks the constraint, so Python 3 makes such a class unhashable.",
            ),
            (
                NUM,
                "Python 2 makes a class with customized equality unhashable, because hashing by id would break the constraint.",
            ),
            (NEG, "Python 3 keeps a class with customized equality hashable by its id."),
            (COND, "Instances of a class have different hashes only when they carry different attributes."),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            "The correct way to achieve hashing by id is to set @define(eq=False). Setting @define(unsafe_hash=False) (which implies eq=True) is almost certainly a bug."
        ],
        [
            (P, "To hash by id, the correct setting is @define(eq=False)."),
            (
                S,
                "Use @define(eq=False) for hashing by id; @define(unsafe_hash=False), which implies eq=True, is almost certainly a bug.",
            ),
            (
                NAME,
                "The correct way to hash by id is @define(unsafe_hash=False); setting eq=False is almost certainly a bug.",
            ),
            (NEG, "Setting @define(unsafe_hash=False), which implies eq=True, is a perfectly safe way to hash by id."),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            "Setting eq=False on a class whose base class has a non-default __hash__ method will not make attrs remove that __hash__ for you. It is part of attrs's philosophy to only add to classes so you have the freedom to customize your classes as you wish. So if you want to get rid of methods, you'll have to do it by hand. The easiest way to reset __hash__ on a class is adding __hash__ = object.__hash__ in the class body."
        ],
        [
            (
                P,
                "If a base class has a non-default __hash__, setting eq=False on the subclass won't make attrs remove it; attrs only adds to classes, so removing methods is up to you.",
            ),
            (
                S,
                "To reset __hash__ on a class, the easiest way is to put __hash__ = object.__hash__ in the class body.",
            ),
            (
                NEG,
                "Setting eq=False on a class whose base class has a custom __hash__ makes attrs remove that __hash__ for you.",
            ),
            (
                NAME,
                "The simplest way to reset __hash__ on a class is adding __hash__ = object.__eq__ to the class body.",
            ),
            (SCOPE, "attrs only adds methods to classes, except for __hash__, which it removes when you set eq=False."),
        ],
    ),
    (
        "hashing.md#Hash Method Generation",
        [
            "If two objects are not equal, their hash should be different. While this isn't a requirement from a standpoint of correctness, sets and dicts become less effective if there are a lot of identical hashes. The worst case is when all objects have the same hash which turns a set into a list."
        ],
        [
            (
                P,
                "Objects that aren't equal should have different hashes; it's not required for correctness, but lots of identical hashes make sets and dicts less effective.",
            ),
            (S, "In the worst case, every object has the same hash and a set effectively turns into a list."),
            (NEG, "If two objects are not equal, their hash must be different, since correctness requires it."),
            (NAME, "In the worst case, when all objects share a hash, a dict turns into a tuple."),
        ],
    ),
    (
        "hashing.md#Hashing and Mutability",
        [
            "Changing any field involved in hash code computation after the first call to __hash__ (typically this would be after its insertion into a hash-based collection) can result in silent bugs. Therefore, it is strongly recommended that hashable classes be frozen. Beware, however, that this is not a complete guarantee of safety: if a field points to an object and that object is mutated, the hash code may change, but frozen will not protect you."
        ],
        [
            (
                P,
                "If you change a field used in the hash after __hash__ was first called, typically once the object is in a hash-based collection, you can get silent bugs, so hashable classes should be frozen.",
            ),
            (
                S,
                "Freezing hashable classes is strongly recommended, but it isn't a full guarantee: mutating an object that a field points to can still change the hash.",
            ),
            (
                NEG,
                "Freezing a hashable class is a complete guarantee of safety, even when a field points to a mutable object.",
            ),
            (
                COND,
                "Changing a field involved in the hash can cause silent bugs only before the first call to __hash__.",
            ),
            (SCOPE, "It's recommended that all classes be frozen, since changing any field can result in silent bugs."),
        ],
    ),
    (
        "hashing.md#Hash Code Caching",
        [
            "Some objects have hash codes which are expensive to compute. If such objects are to be stored in hash-based collections, it can be useful to compute the hash codes only once and then store the result on the object to make future hash code requests fast. To enable caching of hash codes, pass @define(cache_hash=True). This may only be done if attrs is already generating a hash function for the object."
        ],
        [
            (
                P,
                "For objects whose hash is expensive to compute, you can cache it by passing @define(cache_hash=True).",
            ),
            (
                S,
                "Hash caching computes the hash once and stores it on the object so later requests are fast, but it's only allowed if attrs is already generating the hash function.",
            ),
            (
                COND,
                "You can pass @define(cache_hash=True) even when attrs isn't generating a hash function for the object.",
            ),
            (NAME, "To enable caching of hash codes, pass @define(unsafe_hash=True)."),
            (NUM, "Hash caching computes the hash codes twice and then stores the result on the object."),
        ],
    ),
]

GROUPS2 = [
    (
        "init.md#Initialization",
        [
            "In Python, instance initialization happens in the __init__ method. Generally speaking, you should keep as little logic as possible in it, and you should think about what the class needs and not how it is going to be instantiated. Passing complex objects into __init__ and then using them to derive data for the class unnecessarily couples your new class with the old class which makes it harder to test and also will cause problems later."
        ],
        [
            (
                P,
                "Keep as little logic as possible in __init__, and think about what the class needs rather than how it will be instantiated.",
            ),
            (
                S,
                "Passing complex objects into __init__ and deriving data from them couples your class to the old one, making it harder to test and causing problems later.",
            ),
            (
                NEG,
                "You should put as much logic as possible in __init__ and think about how the class will be instantiated.",
            ),
            (
                NAME,
                "In Python, instance initialization happens in the __new__ method, and you should keep as little logic in it as possible.",
            ),
        ],
    ),
    (
        "init.md#Initialization",
        [
            "This is sometimes called a named constructor or a factory method. Now, you can instantiate Points without creating fake row objects in your tests. You can also have as many smart creation helpers as you want. This flexibility is useful because additional data sources tend to appear over time."
        ],
        [
            (
                P,
                "This is sometimes called a named constructor or factory method, and it lets you instantiate Points in tests without fake row objects.",
            ),
            (
                S,
                "Factory methods let you have as many smart creation helpers as you like, which helps because new data sources tend to show up over time.",
            ),
            (
                NUM,
                "You can have at most one smart creation helper per class, since additional data sources tend to appear over time.",
            ),
            (NEG, "With a named constructor you still need fake row objects to instantiate Points in your tests."),
        ],
    ),
    (
        "init.md#Initialization",
        [
            "The database format can change anytime and you're stuck with a bad class design that is hard to change. Embrace functions and classmethods as a filter between reality and what's best for you to work with."
        ],
        [
            (
                P,
                "Since the database format can change at any time, coupling your class to it leaves you stuck with a bad design that's hard to change.",
            ),
            (S, "Use functions and classmethods as a filter between reality and what's best to work with."),
            (NEG, "The database format never changes, so you're never stuck with a hard-to-change class design."),
            (
                NAME,
                "Embrace metaclasses and classmethods as a filter between reality and what's best for you to work with.",
            ),
        ],
    ),
    (
        "init.md#Initialization",
        [
            "While attrs's initialization concepts (including the following sections about validators and converters) are powerful, they are not intended to replace a fully-featured serialization or validation system. We want to help you to write a __init__ that you'd write by hand, but with less boilerplate."
        ],
        [
            (
                P,
                "attrs's initialization features, validators and converters included, are powerful but aren't meant to replace a full serialization or validation system.",
            ),
            (S, "The aim is to help you write the __init__ you'd write by hand, only with less boilerplate."),
            (
                NEG,
                "attrs's validators and converters are intended to replace a fully-featured serialization or validation system.",
            ),
            (
                SCOPE,
                "attrs's validators are meant to replace a fully featured validation system, though its converters are not meant to replace a serialization system.",
            ),
        ],
    ),
    (
        "init.md#Private Attributes and Aliases",
        [
            "One thing people tend to find confusing is the treatment of private attributes that start with an underscore. attrs follows the doctrine that there is no such thing as a private argument and strips the underscores from the name when writing the __init__ method signature:"
        ],
        [
            (
                P,
                "attrs holds that there's no such thing as a private argument, so it strips leading underscores from attribute names in the __init__ signature.",
            ),
            (
                S,
                "People often find it confusing that a private attribute starting with an underscore appears without the underscore in attrs's generated __init__.",
            ),
            (NEG, "attrs keeps the underscores of private attributes when it writes the __init__ method signature."),
            (NAME, "attrs strips the underscores from private attribute names when writing the __repr__ method."),
        ],
    ),
    (
        "init.md#Private Attributes and Aliases",
        [
            "In this case a valid attribute name _1 got transformed into an invalid argument name 1. If your taste differs, you can use the alias argument to {func}attrs.field to explicitly set the argument name. This can be used to override private attribute handling, or make other arbitrary changes to __init__ argument names."
        ],
        [
            (P, "An attribute called _1 becomes the invalid argument name 1, which is a surprising syntax error."),
            (
                S,
                "With the alias argument to attrs.field you can set the argument name explicitly, overriding private attribute handling or renaming __init__ arguments however you like.",
            ),
            (NAME, "You can use the converter argument to attrs.field to explicitly set the __init__ argument name."),
            (NUM, "A valid attribute name _2 gets transformed into the invalid argument name 2."),
        ],
    ),
    (
        "init.md#Defaults",
        [
            "It's important that the decorated method -- or any other method or property! -- doesn't have the same name as the attribute, otherwise it would overwrite the attribute definition. Similar to the common gotcha with mutable default arguments, default=[] will not do what you may think it might do:"
        ],
        [
            (
                P,
                "The decorated default method, like any other method or property, mustn't share the attribute's name, or it would overwrite the attribute definition.",
            ),
            (S, "As with mutable default arguments in functions, default=[] doesn't do what you might think."),
            (
                SCOPE,
                "Only the decorated default method must avoid the attribute's name; other methods and properties may reuse it.",
            ),
            (
                NEG,
                "The decorated method should have the same name as the attribute, otherwise the attribute definition would be overwritten.",
            ),
        ],
    ),
    (
        "init.md#Defaults",
        [
            "Please note that the decorator based defaults have one gotcha: they are executed when the attribute is set, that means depending on the order of attributes, the self object may not be fully initialized when they're called. Therefore you should use self as little as possible."
        ],
        [
            (
                P,
                "Decorator-based defaults run when the attribute is set, so depending on attribute order, self might not be fully initialized yet; use self as little as possible.",
            ),
            (
                S,
                "Because decorator defaults can see a partially initialized self, keep their use of self to a minimum.",
            ),
            (
                COND,
                "Decorator-based defaults are executed after all attributes are set, so self is always fully initialized when they run.",
            ),
            (
                NEG,
                "With decorator-based defaults, the self object is guaranteed to be fully initialized when they're called.",
            ),
        ],
    ),
    (
        "init.md#Validators",
        [
            "Another thing that definitely does belong in __init__ is checking the resulting instance for invariants. This is why attrs has the concept of validators."
        ],
        [
            (
                P,
                "Checking the resulting instance for invariants definitely belongs in __init__, which is why attrs has validators.",
            ),
            (S, "attrs has validators because checking invariants is something that belongs in __init__."),
            (
                NEG,
                "Checking the instance for invariants doesn't belong in __init__, which is why attrs has validators.",
            ),
            (
                NAME,
                "Checking the resulting instance for invariants belongs in __init__, which is why attrs has converters.",
            ),
        ],
    ),
    (
        "init.md#Decorator",
        [
            "The most straightforward way is using the attribute's validator method as a decorator. The method has to accept three arguments: 1. the instance that's being validated (aka self), 2. the attribute that it's validating, and finally 3. the value that is passed for it. These values are passed as positional arguments, therefore their names don't matter. If the value does not pass the validator's standards, it just raises an appropriate exception."
        ],
        [
            (
                P,
                "The simplest approach is to use the attribute's validator method as a decorator; the method takes the instance, the attribute and the value.",
            ),
            (
                S,
                "A decorator validator receives self, the attribute and the value as positional arguments, so their names don't matter, and it raises an exception if the value isn't acceptable.",
            ),
            (
                NUM,
                "The validator method has to accept two arguments: the attribute it's validating and the value passed for it.",
            ),
            (NEG, "The values are passed as keyword arguments, so their names matter."),
            (
                NAME,
                "The decorated validator method receives the instance, the attribute and the default value that is passed for it.",
            ),
        ],
    ),
    (
        "init.md#Decorator",
        [
            "Again, it's important that the decorated method doesn't have the same name as the attribute and that the {func}attrs.field helper is used."
        ],
        [
            (
                P,
                "Make sure the decorated validator method doesn't share the attribute's name, and that attrs.field is used.",
            ),
            (S, "For decorator validators, use attrs.field and give the method a name different from the attribute."),
            (NEG, "The decorated method should have the same name as the attribute, and attrs.field must be used."),
            (
                NAME,
                "It's important that the decorated method has a different name from the attribute and that the attrs.Factory helper is used.",
            ),
        ],
    ),
    (
        "init.md#Callables",
        [
            "If you want to reuse your validators, you should have a look at the validator argument to {func}attrs.field. It takes either a callable or a list of callables (usually functions) and treats them as validators that receive the same arguments as with the decorator approach. Also as with the decorator approach, they are passed as positional arguments so you can name them however you want. Since the validators run after the instance is initialized, you can refer to other attributes while validating:"
        ],
        [
            (
                P,
                "To reuse validators, pass them with the validator argument of attrs.field, which takes one callable or a list of them.",
            ),
            (
                S,
                "Validators given to attrs.field get the same positional arguments as decorator validators, and since they run after initialization they can look at other attributes.",
            ),
            (
                COND,
                "Since validators run before the instance is initialized, you can't refer to other attributes while validating.",
            ),
            (
                SCOPE,
                "The validator argument of attrs.field takes a single callable; for several validators you need the decorator approach.",
            ),
            (
                NAME,
                "To reuse validators, look at the converter argument to attrs.field, which takes a callable or a list of callables.",
            ),
        ],
    ),
    (
        "init.md#Callables",
        [
            "This example demonstrates a convenience shortcut: Passing a list of validators directly is equivalent to passing them wrapped in the {obj}attrs.validators.and_ validator and all validators must pass. attrs won't intercept your changes to those attributes but you can always call {func}attrs.validate on any instance to verify that it's still valid: When using {func}attrs.define or attrs.frozen, however, attrs will run the validators even when setting the attribute."
        ],
        [
            (
                P,
                "Passing a list of validators is the same as wrapping them in attrs.validators.and_: every validator must pass.",
            ),
            (
                S,
                "You can call attrs.validate on an instance to check it's still valid, and with attrs.define or attrs.frozen the validators also run when you set an attribute.",
            ),
            (SCOPE, "When you pass a list of validators, the value is accepted as soon as any one of them passes."),
            (
                NAME,
                "Passing a list of validators directly is equivalent to wrapping them in the attrs.validators.or_ validator.",
            ),
            (COND, "attrs.define runs the validators when you set an attribute only if you call attrs.validate first."),
        ],
    ),
    (
        "init.md#Callables",
        [
            "Of course you can mix and match the two approaches at your convenience. If you use both ways to define validators for an attribute, they are both ran:"
        ],
        [
            (
                P,
                "You're free to mix the decorator and callable approaches; if an attribute has validators defined both ways, both run.",
            ),
            (S, "Validators from both approaches can be combined on one attribute, and all of them are run."),
            (NEG, "If you define validators for an attribute both ways, only one of them is run."),
            (SCOPE, "You can mix the two approaches, but only across different attributes, not on a single attribute."),
        ],
    ),
    (
        "init.md#Converters",
        [
            "Sometimes, it is necessary to normalize the values coming in, therefore attrs comes with converters. Attributes can have a converter function specified, which will be called with the attribute's passed-in value to get a new value to use. This can be useful for doing type-conversions on values that you don't want to force your callers to do."
        ],
        [
            (
                P,
                "attrs has converters for normalizing incoming values: a converter function is called with the passed-in value to produce the value that's used.",
            ),
            (S, "Converters are handy for type conversions you don't want to force on your callers."),
            (
                NAME,
                "attrs comes with validators to normalize incoming values: the function is called with the passed-in value to get a new value to use.",
            ),
            (NEG, "A converter is called with the attribute's passed-in value but it can't return a new value to use."),
        ],
    ),
    (
        "init.md#Converters",
        ["Converters are run before validators, so you can use validators to check the final form of the value."],
        [
            (P, "Because converters run before validators, the validators see the value in its final form."),
            (S, "Validators can check the converted value, since conversion happens first."),
            (COND, "Converters run after validators, so validators check the raw value."),
            (NEG, "Converters aren't run before validators, so validators can't check the final form of the value."),
        ],
    ),
    (
        "init.md#Converters",
        [
            "If a converter's first argument has a type annotation, that type will appear in the signature for __init__. A converter will override an explicit type annotation or type argument."
        ],
        [
            (P, "When a converter's first argument is type-annotated, that type shows up in the __init__ signature."),
            (
                S,
                "A converter's annotated argument type goes into __init__'s signature, overriding any explicit type annotation or type argument.",
            ),
            (NAME, "If a converter's return value has a type annotation, that type appears in the __init__ signature."),
            (NEG, "A converter never overrides an explicit type annotation or type argument."),
            (
                NUM,
                "If a converter's second argument has a type annotation, that type will appear in the signature for __init__.",
            ),
        ],
    ),
    (
        "init.md#Converters",
        [
            "If you need more control over the conversion process, you can wrap the converter with a {class}attrs.Converter and ask for the instance and/or the field that are being initialized:"
        ],
        [
            (
                P,
                "For more control over conversion, wrap the converter in attrs.Converter, which can ask for the instance and the field being initialized.",
            ),
            (S, "attrs.Converter lets a converter receive the instance and/or the field being initialized."),
            (
                NAME,
                "For more control over the conversion process, wrap the converter with attrs.Factory and ask for the instance being initialized.",
            ),
            (
                SCOPE,
                "Wrapping a converter with attrs.Converter lets you ask for the field being initialized, but not for the instance.",
            ),
        ],
    ),
    (
        "init.md#Hooking Yourself Into Initialization",
        [
            "__attrs_pre_init__ is automatically detected and run before attrs starts initializing. If __attrs_pre_init__ takes more than the self argument, the attrs-generated __init__ will call it with the same arguments it received itself. This is useful if you need to inject a call to super().__init__() -- with or without arguments."
        ],
        [
            (P, "attrs automatically detects __attrs_pre_init__ and runs it before it starts initializing."),
            (
                S,
                "If __attrs_pre_init__ takes more than self, the generated __init__ passes it the same arguments it got, which is handy for calling super().__init__().",
            ),
            (COND, "__attrs_pre_init__ is run after attrs has finished initializing the instance."),
            (NEG, "__attrs_pre_init__ isn't detected automatically; you have to register it."),
            (
                COND,
                "The generated __init__ passes its own arguments to __attrs_pre_init__ even when it only takes self.",
            ),
        ],
    ),
    (
        "init.md#Hooking Yourself Into Initialization",
        [
            "__attrs_post_init__ is automatically detected and run after attrs is done initializing your instance. This is useful if you want to derive some attribute from others or perform some kind of validation over the whole instance. - __attrs_init__ is written and attached to your class instead of __init__, if attrs is told to not write one (when init=False or a by a combination of auto_detect=True and a custom __init__)."
        ],
        [
            (
                P,
                "__attrs_post_init__ runs automatically once attrs has finished initializing the instance, which is useful for deriving attributes or validating the whole instance.",
            ),
            (
                S,
                "When attrs is told not to write __init__, via init=False or auto_detect=True with a custom __init__, it attaches __attrs_init__ instead.",
            ),
            (NAME, "If attrs is told not to write an __init__, it writes and attaches __attrs_pre_init__ instead."),
            (NEG, "attrs writes __attrs_init__ instead of __init__ when init=True."),
            (
                COND,
                "__attrs_post_init__ is run before attrs initializes your instance, so you can derive attributes from others.",
            ),
        ],
    ),
    (
        "init.md#Pre Init",
        [
            "You never need to use super() with attrs classes that inherit from other attrs classes. Each attrs class implements an __init__ based on its own fields and those of all its base classes. You only need this escape hatch when subclassing non-attrs classes."
        ],
        [
            (
                P,
                "When an attrs class inherits from another attrs class, you never need super(): each one's __init__ covers its own fields and those of all its bases.",
            ),
            (S, "You only need this escape hatch when subclassing classes that aren't attrs classes."),
            (NEG, "You always need to call super() when an attrs class inherits from another attrs class."),
            (SCOPE, "Each attrs class implements an __init__ based on its own fields only."),
            (COND, "You need this escape hatch whenever you subclass another attrs class."),
        ],
    ),
    (
        "init.md#Custom Init",
        [
            "If you tell attrs to not write an __init__, it will write an __attrs_init__ instead, with the same code that it would have used for __init__. You have full control over the initialization, but also have to type out the types of your arguments etc."
        ],
        [
            (
                P,
                "Tell attrs not to write __init__ and it writes __attrs_init__ instead, with the code it would have used for __init__.",
            ),
            (
                S,
                "A custom __init__ gives you full control, but you have to type out the types of your arguments yourself.",
            ),
            (NEG, "With a custom __init__ you get full control and don't need to type out your argument types."),
            (
                NAME,
                "If you tell attrs not to write an __init__, it writes an __attrs_post_init__ with the code it would have used.",
            ),
        ],
    ),
    (
        "init.md#Post Init",
        ["Note that you must not access the hash code of the object in __attrs_post_init__ if cache_hash=True."],
        [
            (P, "With cache_hash=True, don't access the object's hash code in __attrs_post_init__."),
            (S, "If hash caching is on, __attrs_post_init__ must stay away from the object's hash code."),
            (COND, "You must not access the object's hash code in __attrs_post_init__ if cache_hash=False."),
            (NAME, "You must not access the hash code of the object in __attrs_pre_init__ if cache_hash=True."),
        ],
    ),
    (
        "init.md#Order of Execution",
        [
            "If present, the hooks are executed in the following order: 1. __attrs_pre_init__ (if present on current class) 2. For each attribute, in the order it was declared: 1. default factory 2. converter 3. all validators 4. __attrs_post_init__ (if present on current class) Notably this means, that you can access all attributes from within your validators, but your converters have to deal with invalid values and have to return a valid value."
        ],
        [
            (
                P,
                "The hooks run in this order: __attrs_pre_init__, then for each attribute in declaration order the default factory, the converter and all validators, and finally __attrs_post_init__.",
            ),
            (
                S,
                "Because validators run after everything is set, they can access all attributes, while converters must handle invalid values and return a valid one.",
            ),
            (COND, "For each attribute, the validators run before the converter."),
            (
                NAME,
                "The order is __attrs_post_init__ first, then each attribute's default factory, converter and validators, and finally __attrs_pre_init__.",
            ),
            (SCOPE, "For each attribute, attrs runs the default factory, the converter and the first validator."),
            (NEG, "Your converters don't have to deal with invalid values, since the validators run first."),
        ],
    ),
    (
        "init.md#attrs and __init_subclass__",
        [
            "Unfortunately, a class decorator-based approach like attrs (or dataclasses) doesn't play well with __init_subclass__. With {term}dict classes, it is run before the class has been processed by attrs and in the case of {term}slotted classes, where attrs has to replace the original class, __init_subclass__ is called twice: once for the original class and once for the attrs class. To alleviate this, attrs provides __attrs_init_subclass__ which is also called once the class is done assembling. The base class doesn't even have to be an attrs class:"
        ],
        [
            (P, "Decorator-based class builders like attrs and dataclasses don't play well with __init_subclass__."),
            (
                S,
                "For slotted classes __init_subclass__ runs twice, once for the original and once for the attrs class, so attrs offers __attrs_init_subclass__, called once the class is assembled, even if the base isn't an attrs class.",
            ),
            (NUM, "With slotted classes, __init_subclass__ is called three times."),
            (
                NAME,
                "With slotted classes, __init_subclass__ runs before attrs processes the class; with dict classes it's called twice.",
            ),
            (
                COND,
                "attrs provides __attrs_init_subclass__, but the base class has to be an attrs class for it to be called.",
            ),
        ],
    ),
]

GROUPS3 = [
    (
        "how-does-it-work.md#Boilerplate",
        [
            "Once you apply the @attrs.define (or @attr.s) decorator to a class, attrs searches the class object for instances of attr.ibs. Internally they're a representation of the data passed into attr.ib along with a counter to preserve the order of the attributes."
        ],
        [
            (
                P,
                "When you decorate a class with @attrs.define or @attr.s, attrs looks through the class object for attr.ib instances.",
            ),
            (
                S,
                "Internally, each attr.ib holds the data passed to it plus a counter that keeps the attributes in order.",
            ),
            (NAME, "Once you apply @attrs.define, attrs searches the class object for instances of attrs.Factory."),
            (NEG, "Internally an attr.ib holds the data passed to it, but not the order of the attributes."),
        ],
    ),
    (
        "how-does-it-work.md#Boilerplate",
        [
            "In order to ensure that subclassing works as you'd expect it to work, attrs also walks the class hierarchy and collects the attributes of all base classes. Please note that attrs does not call super() ever. It will write {term}dunder methods to work on all of those attributes which also has performance benefits due to fewer function calls."
        ],
        [
            (
                P,
                "So that subclassing behaves as you'd expect, attrs walks the class hierarchy and collects the attributes of every base class.",
            ),
            (
                S,
                "attrs never calls super(); it writes dunder methods covering all the collected attributes, which also performs better because there are fewer function calls.",
            ),
            (NEG, "attrs calls super() to collect the attributes of the base classes."),
            (SCOPE, "attrs collects the attributes of the immediate base class only."),
            (
                NEG,
                "Writing dunder methods that work on all the attributes costs performance because of the extra function calls.",
            ),
        ],
    ),
    (
        "how-does-it-work.md#Boilerplate",
        [
            "Once attrs knows what attributes it has to work on, it writes the requested {term}dunder methods and -- depending on whether you wish to have a {term}dict <dict classes> or {term}slotted <slotted classes> class -- creates a new class for you (slots=True) or attaches them to the original class (slots=False). While creating new classes is more elegant, we've run into several edge cases surrounding metaclasses that make it impossible to go this route unconditionally."
        ],
        [
            (
                P,
                "With slots=True attrs creates a new class for you; with slots=False it attaches the dunder methods to the original class.",
            ),
            (
                S,
                "Creating a new class is more elegant, but edge cases around metaclasses mean attrs can't always do it.",
            ),
            (
                COND,
                "attrs creates a new class when slots=False and attaches the methods to the original class when slots=True.",
            ),
            (NEG, "Creating new classes is the more elegant route, and attrs can take it unconditionally."),
            (NAME, "Edge cases surrounding descriptors make it impossible to always create a new class."),
        ],
    ),
    (
        "how-does-it-work.md#Boilerplate",
        [
            "Everything until this point happens exactly once when the class is defined. As soon as a class is done, it's done. And it's just a regular Python class like any other, except for a single __attrs_attrs__ attribute that attrs uses internally."
        ],
        [
            (P, "All of this happens just once, when the class is defined; after that it's a regular Python class."),
            (
                S,
                "A finished attrs class is an ordinary Python class apart from one internal __attrs_attrs__ attribute.",
            ),
            (COND, "All of this happens each time the class is instantiated."),
            (
                NAME,
                "The finished class is a regular Python class except for a single __attrs_fields__ attribute that attrs uses internally.",
            ),
            (NUM, "Apart from two internal attributes, an attrs class is a regular Python class like any other."),
        ],
    ),
    (
        "how-does-it-work.md#Immutability",
        [
            "In order to give you immutability, attrs will attach a __setattr__ method to your class that raises an {class}attrs.exceptions.FrozenInstanceError whenever anyone tries to set an attribute. The same is true if you choose to freeze individual attributes using the {obj}attrs.setters.frozen on_setattr hook -- except that the exception becomes {class}attrs.exceptions.FrozenAttributeError. Both exceptions subclass {class}attrs.exceptions.FrozenError."
        ],
        [
            (
                P,
                "For immutability, attrs attaches a __setattr__ that raises attrs.exceptions.FrozenInstanceError when anyone tries to set an attribute.",
            ),
            (
                S,
                "Freezing single attributes with the attrs.setters.frozen on_setattr hook raises FrozenAttributeError instead; both errors subclass FrozenError.",
            ),
            (
                NAME,
                "If you freeze individual attributes with the attrs.setters.frozen hook, setting one raises attrs.exceptions.FrozenInstanceError.",
            ),
            (NAME, "attrs implements immutability by attaching a __delattr__ method that raises FrozenInstanceError."),
            (NEG, "FrozenInstanceError and FrozenAttributeError don't share a common base class."),
        ],
    ),
    (
        "how-does-it-work.md#Immutability",
        [
            "Depending on whether a class is a dict class or a slotted class, attrs uses a different technique to circumvent that limitation in the __init__ method. Once constructed, frozen instances don't differ in any way from regular ones except that you cannot change its attributes."
        ],
        [
            (
                P,
                "attrs uses different techniques in __init__ to get around the freeze, depending on whether the class is a dict class or a slotted one.",
            ),
            (
                S,
                "Once built, a frozen instance is just like a regular one, except that you can't change its attributes.",
            ),
            (
                SCOPE,
                "attrs uses the same technique for dict classes and slotted classes to get around the limitation in __init__.",
            ),
            (NEG, "Once constructed, frozen instances still let you change their attributes."),
        ],
    ),
    (
        "how-does-it-work.md#Dict Classes",
        [
            "Dict classes -- that is: regular classes -- simply assign the value directly into the class' eponymous __dict__ (and there's nothing we can do to stop the user to do the same). The performance impact is negligible."
        ],
        [
            (
                P,
                "Dict classes, i.e. regular classes, just write the value straight into the instance's __dict__, and the performance impact is negligible.",
            ),
            (
                S,
                "Regular dict classes just assign into __dict__, which nothing stops users from doing too, and the performance impact is negligible.",
            ),
            (NEG, "For dict classes, attrs can stop users from assigning values directly into __dict__."),
            (
                NAME,
                "Dict classes assign the value directly into the class' __slots__, with negligible performance impact.",
            ),
        ],
    ),
    (
        "how-does-it-work.md#Slotted Classes",
        [
            "So on a laptop computer the difference is about 200 nanoseconds (1 second is 1,000,000,000 nanoseconds). It's certainly something you'll feel in a hot loop but shouldn't matter in normal code. Pick what's more important to you."
        ],
        [
            (
                P,
                "On a laptop, the difference is roughly 200 nanoseconds, which you'll notice in a hot loop but shouldn't matter in normal code.",
            ),
            (
                S,
                "The difference is about 200 nanoseconds: you'll feel it in a hot loop but not in normal code, so pick what matters more to you.",
            ),
            (
                NUM,
                "On a laptop the difference is about 400 nanoseconds, noticeable in a hot loop but not in normal code.",
            ),
            (UNIT, "On a laptop the difference is about 200 microseconds, which you'll feel in a hot loop."),
            (SCOPE, "The difference of about 200 nanoseconds matters in any code, not just in hot loops."),
        ],
    ),
    (
        "how-does-it-work.md#Summary",
        [
            "You should avoid instantiating lots of frozen slotted classes (meaning: @frozen) in performance-critical code. Frozen dict classes have barely a performance impact, unfrozen slotted classes are even faster than unfrozen dict classes (meaning: regular classes)."
        ],
        [
            (
                P,
                "In performance-critical code, avoid creating lots of instances of frozen slotted classes, i.e. @frozen ones.",
            ),
            (
                S,
                "Frozen dict classes barely cost anything, and unfrozen slotted classes are even faster than regular unfrozen dict classes.",
            ),
            (NAME, "You should avoid instantiating lots of frozen dict classes in performance-critical code."),
            (NEG, "Unfrozen slotted classes are slower than unfrozen dict classes."),
            (NEG, "Frozen dict classes have a large performance impact."),
        ],
    ),
    (
        "how-does-it-work.md#Cached Properties on Slotted Classes",
        [
            "By default, the standard library {func}functools.cached_property decorator does not work on slotted classes, because it requires a __dict__ to store the cached value. This could be surprising when using attrs, as slotted classes are the default. Therefore, attrs converts cached_property-decorated methods when constructing slotted classes."
        ],
        [
            (
                P,
                "functools.cached_property doesn't work on slotted classes by default, because it needs a __dict__ to store the cached value.",
            ),
            (
                S,
                "Since slotted classes are attrs's default, attrs converts cached_property-decorated methods when it builds a slotted class.",
            ),
            (
                NEG,
                "functools.cached_property works on slotted classes out of the box, since it doesn't need a __dict__.",
            ),
            (
                NAME,
                "By default, functools.lru_cache doesn't work on slotted classes because it requires a __dict__ to store the cached value.",
            ),
            (COND, "attrs converts cached_property-decorated methods only when constructing dict classes."),
        ],
    ),
    (
        "how-does-it-work.md#Cached Properties on Slotted Classes",
        [
            "The implementation does not guarantee that the wrapped method is called only once in multi-threaded usage. This matches the implementation of cached_property in Python 3.12."
        ],
        [
            (P, "In multi-threaded use, the wrapped method isn't guaranteed to be called only once."),
            (
                S,
                "Like cached_property in Python 3.12, attrs's version doesn't guarantee a single call when several threads are involved.",
            ),
            (
                NEG,
                "The implementation guarantees that the wrapped method is called only once, even in multi-threaded usage.",
            ),
            (NUM, "This matches the implementation of cached_property in Python 3.8."),
        ],
    ),
    (
        "names.md#TL;DR",
        [
            "We recommend our modern APIs for new code: % {func} syntax does currently not work for .. function definitions. - {func}attrs.define to define a new class, - attrs.mutable() is an alias for {func}attrs.define, - attrs.frozen() is an alias for define(frozen=True) - and {func}attrs.field() to define an attribute. They have been added in attrs 20.1.0, they are expressive, and they have modern defaults like slots and type annotation awareness switched on by default."
        ],
        [
            (P, "For new code, use the modern APIs: attrs.define for a class and attrs.field() for an attribute."),
            (
                S,
                "attrs.mutable() is an alias for attrs.define and attrs.frozen() for define(frozen=True); these modern APIs arrived in attrs 20.1.0 with slots and type-annotation awareness on by default.",
            ),
            (
                NAME,
                "attrs.frozen() is an alias for attrs.define, and attrs.mutable() is an alias for define(frozen=True).",
            ),
            (NUM, "The modern APIs were added in attrs 21.3.0 and have slots switched on by default."),
            (NEG, "The modern APIs have slots and type annotation awareness switched off by default."),
        ],
    ),
    (
        "names.md#TL;DR",
        [
            "As of attrs 21.3.0 you can also import them from the attrs package namespace. The traditional, or OG, APIs {func}attr.s / {func}attr.ib, their serious-business aliases attr.attrs / attr.attrib, and the never-documented, but popular attr.dataclass easter egg will stay forever. attrs will never force you to use type annotations."
        ],
        [
            (P, "Since attrs 21.3.0 the modern APIs can be imported from the attrs package namespace too."),
            (
                S,
                "The old attr.s / attr.ib APIs, their aliases attr.attrs / attr.attrib and the undocumented attr.dataclass are staying for good, and attrs will never make you use type annotations.",
            ),
            (NUM, "As of attrs 20.1.0 you can also import them from the attrs package namespace."),
            (NEG, "The traditional attr.s and attr.ib APIs will eventually be removed."),
            (NAME, "The serious-business aliases of attr.s and attr.ib are attr.define and attr.field."),
        ],
    ),
    (
        "names.md#A Short History Lesson",
        [
            "At this point, attrs is an old project. It had its first release in April 2015 -- back when most Python code was on Python 2.7 and Python 3.4 was the first Python 3 release that showed promise. attrs was always Python 3-first, but type annotations came only into Python 3.5 that was released in September 2015 and were largely ignored until years later."
        ],
        [
            (
                P,
                "attrs is an old project: its first release was in April 2015, when most Python code still ran on Python 2.7.",
            ),
            (
                S,
                "attrs has always been Python 3-first, but type annotations only arrived with Python 3.5 in September 2015 and were mostly ignored for years.",
            ),
            (NUM, "attrs had its first release in April 2014, when most Python code was on Python 2.7."),
            (NUM, "Type annotations came into Python 3.4, released in September 2015."),
            (NEG, "attrs was never Python 3-first; it started on Python 2.7."),
        ],
    ),
    (
        "names.md#A Short History Lesson",
        [
            "But attrs history goes even a bit further back, to the now-forgotten characteristic that came out in May 2014 and already used a class decorator, but was overall too unergonomic. In the wake of all of that, Glyph and Hynek came together on IRC and brainstormed how to take the good ideas of characteristic, but make them easier to use and read."
        ],
        [
            (
                P,
                "attrs goes back to characteristic, a now-forgotten library from May 2014 that already used a class decorator but was too unergonomic.",
            ),
            (
                S,
                "Glyph and Hynek met on IRC to brainstorm how to keep characteristic's good ideas while making them easier to use and read.",
            ),
            (NUM, "characteristic came out in May 2013 and already used a class decorator."),
            (NEG, "characteristic, released in May 2014, didn't use a class decorator yet."),
            (
                NAME,
                "Glyph and Guido came together on IRC to brainstorm how to make characteristic's ideas easier to use.",
            ),
        ],
    ),
    (
        "names.md#A Short History Lesson",
        [
            "But overall, attrs in this shape was a huge success -- especially after Glyph's blog post The One Python Library Everyone Needs in August 2016 and pytest adopting it."
        ],
        [
            (
                P,
                "In that form, attrs became a huge success, especially after Glyph's post The One Python Library Everyone Needs in August 2016 and pytest's adoption of it.",
            ),
            (S, "Glyph's August 2016 blog post and pytest adopting attrs made it a big success."),
            (NUM, "attrs took off after Glyph's blog post The One Python Library Everyone Needs in August 2017."),
            (NAME, "attrs became a huge success, especially after Glyph's blog post and Django adopting it."),
        ],
    ),
    (
        "names.md#Dataclasses Enter The Arena",
        [
            "A big change happened in May 2017 when Hynek sat down with Guido van Rossum and Eric V. Smith at PyCon US 2017. Type annotations for class attributes have just landed in Python 3.6 and Guido felt like it would be a good mechanic to introduce something similar to attrs to the Python standard library. The result, of course, was {pep}557[^stdlib] which eventually became the dataclasses module in Python 3.7."
        ],
        [
            (P, "In May 2017 Hynek met Guido van Rossum and Eric V. Smith at PyCon US 2017."),
            (
                S,
                "With class-attribute annotations new in Python 3.6, Guido wanted something like attrs in the standard library; that became PEP 557 and the dataclasses module in Python 3.7.",
            ),
            (
                NUM,
                "Type annotations for class attributes had just landed in Python 3.5 when Hynek met Guido at PyCon US 2017.",
            ),
            (NAME, "In May 2017 Hynek sat down with Guido van Rossum and Glyph at PyCon US 2017."),
            (NUM, "The result was PEP 557, which eventually became the dataclasses module in Python 3.8."),
        ],
    ),
    (
        "names.md#Dataclasses Enter The Arena",
        [
            "Due to backwards-compatibility concerns, this feature is off by default in the {func}attr.s decorator and has to be activated using @attr.s(auto_attribs=True), though. As a little easter egg and to save ourselves some typing, we've also added an alias called attr.dataclass that just set auto_attribs=True. It was never documented, but people found it and used it and loved it."
        ],
        [
            (
                P,
                "For backwards compatibility, attr.s has the feature off by default; you turn it on with @attr.s(auto_attribs=True).",
            ),
            (
                S,
                "attr.dataclass was an undocumented easter egg alias that just set auto_attribs=True, and people found it and loved it.",
            ),
            (NEG, "For backwards compatibility, the feature is on by default in the attr.s decorator."),
            (NAME, "The undocumented alias attr.dataclass just set slots=True."),
            (NEG, "attr.dataclass was documented from the start, and people used it and loved it."),
        ],
    ),
    (
        "names.md#attrs TNG",
        [
            "So in July 2018, we looked for better names and came up with {func}attr.define, {func}attr.field, and friends. Then in January 2019, we started looking for inconvenient defaults that we now could fix without any repercussions. These APIs proved to be very popular, so we've finally changed the documentation to them in November of 2021."
        ],
        [
            (P, "In July 2018 the maintainers came up with better names: attr.define, attr.field and friends."),
            (
                S,
                "From January 2019 they looked for inconvenient defaults to fix, and because the new APIs proved popular, the documentation switched to them in November 2021.",
            ),
            (NUM, "The better names attr.define and attr.field were chosen in July 2019."),
            (NUM, "The documentation was finally changed to the new APIs in November 2020."),
            (NAME, "In July 2018 the maintainers came up with attr.s, attr.ib and friends as better names."),
        ],
    ),
    (
        "names.md#attrs TNG",
        [
            "All of this took way too long, of course. One reason is the COVID-19 pandemic, but also our fear to fumble this historic chance to fix our APIs. Finally, in December 2021, we've added the attrs package namespace."
        ],
        [
            (P, "The attrs package namespace was finally added in December 2021."),
            (
                S,
                "It took too long, partly because of the COVID-19 pandemic and partly from fear of fumbling the chance to fix the APIs; the attrs namespace arrived in December 2021.",
            ),
            (NUM, "The attrs package namespace was added in December 2020."),
            (SCOPE, "The only reason it took so long was the COVID-19 pandemic."),
        ],
    ),
    (
        "overview.md#Philosophy",
        [
            "The class belongs to the users. : You define a class and attrs adds static methods to that class based on the attributes you declare. The end. It doesn't add metaclasses. It doesn't add classes you've never heard of to your inheritance tree. An attrs class in runtime is indistinguishable from a regular class: because it is a regular class with a few boilerplate-y methods attached."
        ],
        [
            (
                P,
                "You define the class and attrs adds methods to it based on the attributes you declare; it adds no metaclasses and nothing unfamiliar to your inheritance tree.",
            ),
            (
                S,
                "At runtime an attrs class can't be told apart from a regular class, because it is one, just with some boilerplate methods attached.",
            ),
            (
                NEG,
                "attrs adds a metaclass to your class, though it doesn't add unfamiliar classes to the inheritance tree.",
            ),
            (NAME, "You define a class and attrs adds static methods based on the type annotations you declare."),
        ],
    ),
    (
        "overview.md#Philosophy",
        [
            "As convenient as it seems at first, attrs will not tack on any methods to your classes except for the {term}dunder ones <dunder methods>. Hence all the useful tools that come with attrs live in functions that operate on top of instances. Since they take an attrs instance as their first argument, you can attach them to your classes with one line of code."
        ],
        [
            (P, "attrs doesn't tack any methods onto your classes apart from dunder methods."),
            (
                S,
                "attrs's useful tools are functions that take an instance as their first argument, so attaching one to your class takes a single line.",
            ),
            (SCOPE, "attrs tacks helper methods onto your classes in addition to the dunder methods."),
            (NUM, "attrs's tools take an attrs instance as their second argument."),
            (NAME, "All the useful tools that come with attrs live in methods on your instances."),
        ],
    ),
    (
        "overview.md#Philosophy",
        [
            "Performance matters. : attrs runtime impact is very close to zero because all the work is done when the class is defined. Once you're instantiating it, attrs is out of the picture completely."
        ],
        [
            (P, "attrs's runtime impact is close to zero because all its work happens when the class is defined."),
            (S, "Once you're creating instances, attrs is no longer involved at all."),
            (
                COND,
                "attrs's runtime impact is close to zero because all the work is done when the class is instantiated.",
            ),
            (NEG, "attrs stays involved when you instantiate the class, so its runtime impact is noticeable."),
        ],
    ),
    (
        "overview.md#Philosophy",
        [
            "No surprises. : attrs creates classes that arguably work the way a Python beginner would reasonably expect them to work. It doesn't try to guess what you mean because explicit is better than implicit. It doesn't try to be clever because software shouldn't be clever."
        ],
        [
            (P, "attrs classes arguably work the way a Python beginner would reasonably expect."),
            (S, "attrs doesn't guess what you mean, since explicit beats implicit, and it doesn't try to be clever."),
            (NAME, "attrs creates classes that work the way a Python expert would reasonably expect them to work."),
            (NEG, "attrs tries to guess what you mean, because implicit is better than explicit."),
        ],
    ),
    (
        "overview.md#What attrs Is Not",
        [
            "attrs does not invent some kind of magic system that pulls classes out of its hat using meta classes, runtime introspection, and shaky interdependencies. All attrs does is: 1. Take your declaration, 2. write {term}dunder methods based on that information, 3. and attach them to your class. It does nothing dynamic at runtime, hence zero runtime overhead."
        ],
        [
            (
                P,
                "attrs doesn't use metaclasses, runtime introspection or shaky interdependencies to conjure up classes.",
            ),
            (
                S,
                "All attrs does is take your declaration, write dunder methods from it and attach them to your class, with nothing dynamic at runtime and so no runtime overhead.",
            ),
            (NEG, "attrs does some dynamic work at runtime, so there is a small runtime overhead."),
            (
                NUM,
                "attrs does four things: it takes your declaration, writes dunder methods, validates them and attaches them to your class.",
            ),
            (NAME, "attrs takes your declaration, writes dunder methods from it and attaches them to your metaclass."),
        ],
    ),
    (
        "overview.md#What attrs Is Not",
        [
            "attrs also is not a fully-fledged serialization library. While it comes with features like converters and validators, it is meant to be a kit for building classes that you would write yourself – but with less boilerplate. If you look for powerful-yet-unintrusive serialization and validation for your attrs classes, have a look at our sibling project cattrs or our third-party extensions."
        ],
        [
            (
                P,
                "attrs isn't a full serialization library; even with converters and validators, it's a kit for building the classes you'd write yourself, minus the boilerplate.",
            ),
            (
                S,
                "For powerful but unintrusive serialization and validation of attrs classes, look at the sibling project cattrs or third-party extensions.",
            ),
            (NEG, "attrs is a fully-fledged serialization library that also comes with converters and validators."),
            (NAME, "For serialization of your attrs classes, have a look at the sibling project Pydantic."),
        ],
    ),
]

GROUPS4 = [
    (
        "glossary.md#Glossary",
        [
            'dunder methods "Dunder" is a contraction of "double underscore". It\'s methods like __init__ or __eq__ that are sometimes also called magic methods or it\'s said that they implement an object protocol. In spoken form, you\'d call __init__ just "dunder init". Its first documented use is a mailing list posting by Mark Jackson from 2002.'
        ],
        [
            (
                P,
                '"Dunder" is short for "double underscore": methods like __init__ or __eq__, sometimes called magic methods.',
            ),
            (
                S,
                'Dunder methods, also called magic methods, implement an object protocol; spoken aloud, __init__ is "dunder init", and the term was first documented in a 2002 mailing list post by Mark Jackson.',
            ),
            (NUM, "The term dunder was first documented in a mailing list posting by Mark Jackson from 2004."),
            (
                NAME,
                'The first documented use of "dunder" is a mailing list posting by Mark Jackson from 2002, and in spoken form __eq__ is called "dunder init".',
            ),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "dict classes A regular class whose attributes are stored in the {attr}object.__dict__ attribute of every single instance. This is quite wasteful especially for objects with very few data attributes and the space consumption can become significant when creating large numbers of instances. This is the type of class you get by default both with and without attrs (except with the next APIs {func}attrs.define(), attrs.mutable(), and attrs.frozen())."
        ],
        [
            (P, "A dict class is a regular class that stores its attributes in each instance's __dict__."),
            (
                S,
                "Dict classes waste space, especially for objects with few data attributes when you create many instances, and they're the default unless you use attrs.define(), attrs.mutable() or attrs.frozen().",
            ),
            (NAME, "Dict classes are what you get by default with attrs.define(), attrs.mutable() and attrs.frozen()."),
            (COND, "Storing attributes in __dict__ is wasteful especially for objects with many data attributes."),
            (NEG, "Dict classes are quite space-efficient, even when you create large numbers of instances."),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "slotted classes A class whose instances have no {attr}object.__dict__ attribute and define their attributes in a object.__slots__ attribute instead. In attrs, they are created by passing slots=True to @attr.s (and are on by default in {func}attrs.define(), attrs.mutable(), and attrs.frozen()). Their main advantage is that they use less memory on CPython[^pypy] and are slightly faster."
        ],
        [
            (P, "Instances of slotted classes have no __dict__; their attributes are defined in __slots__ instead."),
            (
                S,
                "In attrs you get slotted classes by passing slots=True to @attr.s, and they're the default with attrs.define(), attrs.mutable() and attrs.frozen(); they use less memory on CPython and are slightly faster.",
            ),
            (
                NEG,
                "Slotted classes are on by default with @attr.s and have to be switched on with slots=True in attrs.define().",
            ),
            (
                NAME,
                "The main advantage of slotted classes is that they use less memory on PyPy and are slightly faster.",
            ),
            (NEG, "Slotted classes use less memory on CPython but are slightly slower."),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "Slotted classes can inherit from other classes just like non-slotted classes, but some of the benefits of slotted classes are lost if you do that. If you must inherit from other classes, try to inherit only from other slotted classes. - However, it's not possible to inherit from more than one class that has attributes in __slots__ (you will get an TypeError: multiple bases have instance lay-out conflict). - It's not possible to monkeypatch methods on slotted classes."
        ],
        [
            (
                P,
                "Slotted classes can inherit from other classes like any class, but they lose some of their benefits when they do, so try to inherit only from slotted classes.",
            ),
            (
                S,
                "You can't inherit from more than one class with attributes in __slots__ (that's a TypeError about an instance lay-out conflict), and you can't monkeypatch methods on slotted classes.",
            ),
            (NUM, "You can't inherit from more than two classes that have attributes in __slots__."),
            (
                NAME,
                "Inheriting from two classes with attributes in __slots__ raises an AttributeError about a lay-out conflict.",
            ),
            (NEG, "It's possible to monkeypatch methods on slotted classes."),
            (COND, "If you must inherit, try to inherit only from dict classes."),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "Slotted classes must implement {meth}__getstate__ <object.__getstate__> and {meth}__setstate__ <object.__setstate__> to be serializable with {mod}pickle protocol 0 and 1. Therefore, attrs creates these methods automatically for slotted classes."
        ],
        [
            (
                P,
                "To be pickled with protocols 0 and 1, slotted classes need __getstate__ and __setstate__, so attrs creates them automatically.",
            ),
            (
                S,
                "attrs generates __getstate__ and __setstate__ for slotted classes so they can be serialized with pickle protocol 0 and 1.",
            ),
            (
                NUM,
                "Slotted classes need __getstate__ and __setstate__ to be serializable with pickle protocols 2 and 3.",
            ),
            (NEG, "attrs doesn't create __getstate__ and __setstate__ for slotted classes; you have to write them."),
            (
                NAME,
                "Slotted classes must implement __reduce__ and __setstate__ to be serializable with pickle protocol 0 and 1.",
            ),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "When decorating with @attr.s(slots=True) and the class already implements the {meth}__getstate__ <object.__getstate__> and {meth}__setstate__ <object.__setstate__> methods, they will be overwritten by attrs autogenerated implementation by default. This can be avoided by setting @attr.s(getstate_setstate=False) or by setting @attr.s(auto_detect=True). {func}~attrs.define sets auto_detect=True by default."
        ],
        [
            (
                P,
                "With @attr.s(slots=True), a class's own __getstate__ and __setstate__ are overwritten by attrs's generated versions by default.",
            ),
            (
                S,
                "To keep your own __getstate__ and __setstate__, set getstate_setstate=False or auto_detect=True on @attr.s; attrs.define already sets auto_detect=True.",
            ),
            (NEG, "attrs.define sets auto_detect=False by default."),
            (NAME, "You can avoid the overwriting by setting @attr.s(getstate_setstate=True)."),
            (
                COND,
                "With @attr.s(slots=True), your own __getstate__ and __setstate__ are only overwritten if you set auto_detect=True.",
            ),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "Slotted classes are weak-referenceable by default. This can be disabled in CPython by passing weakref_slot=False to @attr.s [^pypyweakref]. - Since it's currently impossible to make a class slotted after it's been created, attrs has to replace your class with a new one. While it tries to do that as graciously as possible, certain metaclass features like {meth}object.__init_subclass__ do not work with slotted classes."
        ],
        [
            (
                P,
                "Slotted classes are weak-referenceable by default, which you can turn off on CPython with weakref_slot=False on @attr.s.",
            ),
            (
                S,
                "Because a class can't be made slotted after creation, attrs replaces it with a new one, and some metaclass features such as __init_subclass__ don't work with slotted classes.",
            ),
            (NEG, "Slotted classes aren't weak-referenceable by default; you enable it with weakref_slot=True."),
            (NAME, "Weak references can be disabled on PyPy by passing weakref_slot=False to @attr.s."),
            (NAME, "certain metaclass features like __set_name__ don't work with slotted classes."),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            "The {attr}class.__subclasses__ attribute needs a garbage collection run (which can be manually triggered using {func}gc.collect), for the original class to be removed. See issue #407 for more details. - Pickling of slotted classes will fail if you define a class with missing attributes. This situation can occur if you define an attrs.field(init=False) and don't set the attribute by hand before pickling."
        ],
        [
            (
                P,
                "The original class only disappears from __subclasses__ after a garbage collection run, which you can trigger with gc.collect; issue #407 has details.",
            ),
            (
                S,
                "Pickling a slotted class fails if an attribute is missing, for example an attrs.field(init=False) you didn't set by hand before pickling.",
            ),
            (NUM, "See issue #704 for more details about __subclasses__ needing a garbage collection run."),
            (
                COND,
                "Pickling a slotted class fails if you set an attrs.field(init=False) attribute by hand before pickling.",
            ),
            (NAME, "The original class stays in the __bases__ attribute until a garbage collection run."),
        ],
    ),
    (
        "glossary.md#Glossary",
        [
            'However, with the emergence of {mod}dataclasses, Pydantic, and other libraries, the term "field" has become a common term for a predefined attribute on a class in the Python ecosystem. So with out new APIs, we\'ve embraced it too by calling the function to create them {func}attrs.field, and use the term "field" throughout the documentation interchangeably.'
        ],
        [
            (
                P,
                'Thanks to dataclasses, Pydantic and other libraries, "field" has become the common Python term for a predefined attribute on a class.',
            ),
            (
                S,
                'attrs\'s new APIs adopted the term, calling the function attrs.field and using "field" interchangeably with attribute in the docs.',
            ),
            (NAME, "With the new APIs, attrs embraced the term by calling the function to create them attrs.attrib."),
            (NEG, 'attrs\'s documentation avoids using "field" and "attribute" interchangeably.'),
        ],
    ),
    (
        "comparison.md#Comparison",
        [
            "By default, two instances of attrs classes are equal if they have the same type and all their fields are equal. For that, attrs writes __eq__ and __ne__ methods for you. Additionally, if you pass order=True, attrs will also create a complete set of ordering methods: __le__, __lt__, __ge__, and __gt__."
        ],
        [
            (
                P,
                "By default two attrs instances are equal when they're of the same type and all their fields are equal; attrs writes __eq__ and __ne__ to do that.",
            ),
            (
                S,
                "Pass order=True and attrs also writes the full set of ordering methods: __le__, __lt__, __ge__ and __gt__.",
            ),
            (SCOPE, "By default, two attrs instances are equal if any of their fields are equal."),
            (
                COND,
                "attrs creates the ordering methods __le__, __lt__, __ge__ and __gt__ by default, unless you pass order=False.",
            ),
            (NAME, "For equality, attrs writes the __eq__ and __hash__ methods for you."),
        ],
    ),
    (
        "comparison.md#Comparison",
        [
            "For equality, attrs will generate a statement comparing the types of both instances, and then comparing each attribute in turn using ==. For order, attrs will: - Check if the types of the instances you're comparing are equal, - if so, create a tuple of all field values for each instance, - and finally perform the desired comparison operation on those tuples."
        ],
        [
            (P, "For equality, attrs compares the types of both instances and then each attribute in turn with ==."),
            (
                S,
                "For ordering, attrs checks that both instances have the same type, builds a tuple of all field values for each, and compares the tuples.",
            ),
            (NAME, "For order, attrs creates a list of all field values for each instance and compares those lists."),
            (COND, "For order, attrs builds a tuple of the field values even when the instances have different types."),
            (NAME, "For equality, attrs compares each attribute in turn using is."),
        ],
    ),
    (
        "comparison.md#Customization",
        [
            "This is especially useful when you have fields with objects that have atypical comparison properties. Common examples of such objects are NumPy arrays. To save you unnecessary boilerplate, attrs comes with the {func}attrs.cmp_using helper to create such functions."
        ],
        [
            (
                P,
                "This is especially useful for fields holding objects with atypical comparison properties, such as NumPy arrays.",
            ),
            (S, "To spare you the boilerplate, attrs provides attrs.cmp_using to build such comparison functions."),
            (NAME, "attrs comes with the attrs.Factory helper to create such comparison functions."),
            (NAME, "Common examples of objects with atypical comparison properties are pandas DataFrames."),
        ],
    ),
    (
        "comparison.md#Customization",
        [
            "Please note that eq and order are set independently, because order is False by default in {func}~attrs.define (but not in {func}attr.s). You can set both at once by using the cmp argument that we've undeprecated just for this use-case."
        ],
        [
            (P, "eq and order are set independently, since order defaults to False in attrs.define but not in attr.s."),
            (
                S,
                "If you want to set eq and order together, use the cmp argument, which was undeprecated for exactly that.",
            ),
            (NEG, "order is True by default in attrs.define, but not in attr.s."),
            (NAME, "You can set eq and order at once with the hash argument."),
            (NEG, "eq and order can't be set independently."),
        ],
    ),
    (
        "types.md#Type Annotations",
        [
            "attrs comes with first-class support for type annotations for both {pep}526 and legacy syntax. However, they will remain optional forever, therefore the example from the README could also be written as:"
        ],
        [
            (P, "attrs has first-class support for type annotations in both PEP 526 and legacy syntax."),
            (S, "Type annotations are fully supported by attrs but will always stay optional."),
            (NEG, "Type annotations are supported by attrs, but they will become mandatory."),
            (NUM, "attrs supports type annotations for both PEP 563 and legacy syntax."),
        ],
    ),
    (
        "types.md#Type Annotations",
        [
            "You can choose freely between the approaches, but please remember that if you choose to use type annotations, you must annotate all attributes!"
        ],
        [
            (
                P,
                "You're free to pick either approach, but if you use type annotations, every attribute has to be annotated.",
            ),
            (S, "Once you go with type annotations, annotate all your attributes."),
            (SCOPE, "If you use type annotations, you only need to annotate the attributes that have defaults."),
            (NEG, "Even with type annotations, you don't have to annotate all attributes."),
        ],
    ),
    (
        "types.md#Type Annotations",
        [
            "Please note that types -- regardless how added -- are only metadata that can be queried from the class and they aren't used for anything out of the box! Because Python does not allow references to a class object before the class is defined, types may be defined as string literals, so-called forward references ({pep}526). You can enable this automatically for a whole module by using from __future__ import annotations ({pep}563). In this case attrs simply puts these string literals into the type attributes. If you need to resolve these to real types, you can call {func}attrs.resolve_types which will update the attribute in place."
        ],
        [
            (
                P,
                "However they're added, types are just metadata you can query from the class; attrs doesn't use them for anything out of the box.",
            ),
            (
                S,
                "Forward references can be written as string literals, or enabled for a whole module with from __future__ import annotations; attrs.resolve_types turns them into real types in place.",
            ),
            (NEG, "attrs uses the type annotations out of the box to validate the values you pass."),
            (
                NAME,
                "To resolve string annotations to real types, call attrs.validate, which updates the attribute in place.",
            ),
            (
                NUM,
                "You can enable string-literal annotations for a whole module with from __future__ import annotations, defined in PEP 526.",
            ),
        ],
    ),
    (
        "types.md#Mypy",
        [
            'While having a nice syntax for type metadata is great, it\'s even greater that [Mypy] ships with a dedicated attrs plugin which allows you to statically check your code. Imagine you add another line that tries to instantiate the defined class using SomeClass("23"). Mypy will catch that error for you:'
        ],
        [
            (P, "Mypy ships with a dedicated attrs plugin, so you can check your attrs code statically."),
            (S, 'Thanks to its attrs plugin, Mypy catches a bad call like SomeClass("23") for you.'),
            (NAME, "Pyright ships with a dedicated attrs plugin that lets you statically check your code."),
            (NEG, "Mypy doesn't ship an attrs plugin; you need to install one separately."),
        ],
    ),
    (
        "types.md#Pyright",
        [
            "attrs provides support for [Pyright] through the dataclass_transform / {pep}681 specification. This provides static type inference for a subset of attrs equivalent to standard-library {mod}dataclasses, and requires explicit type annotations using the {func}attrs.define or @attr.s(auto_attribs=True) API."
        ],
        [
            (P, "attrs supports Pyright through the dataclass_transform specification of PEP 681."),
            (
                S,
                "Pyright infers static types for the subset of attrs that matches standard-library dataclasses, and it needs explicit type annotations with attrs.define or @attr.s(auto_attribs=True).",
            ),
            (NUM, "attrs supports Pyright through the dataclass_transform specification, PEP 557."),
            (SCOPE, "Through dataclass_transform, Pyright gets static type inference for all of attrs's features."),
            (NEG, "Pyright support doesn't require explicit type annotations."),
        ],
    ),
    (
        "types.md#Pyright",
        [
            "Generally speaking, the decision on improving attrs support in Pyright is entirely Microsoft's prerogative and they unequivocally indicated that they'll only add support for features that go through the PEP process, though."
        ],
        [
            (P, "Improving attrs support in Pyright is entirely up to Microsoft."),
            (S, "Microsoft has said clearly that Pyright will only support features that go through the PEP process."),
            (NAME, "The decision on improving attrs support in Pyright is entirely Google's prerogative."),
            (
                COND,
                "Microsoft indicated they'll add support for attrs features even if they don't go through the PEP process.",
            ),
        ],
    ),
    (
        "extending.md#Extending",
        [
            "Each attrs-decorated class has a __attrs_attrs__ class attribute. It's a tuple of {class}attrs.Attribute carrying metadata about each attribute. So it is fairly simple to build your own decorators on top of attrs:"
        ],
        [
            (
                P,
                "Every attrs-decorated class has an __attrs_attrs__ class attribute: a tuple of attrs.Attribute objects with metadata about each attribute.",
            ),
            (S, "Because of __attrs_attrs__, building your own decorators on top of attrs is fairly simple."),
            (
                NAME,
                "Each attrs class has an __attrs_attrs__ class attribute, which is a dict of attrs.Attribute objects.",
            ),
            (SCOPE, "__attrs_attrs__ carries metadata about the class's public attributes only."),
        ],
    ),
    (
        "extending.md#Extending",
        [
            "The {func}attrs.define / {func}attr.s decorator must be applied first because it puts __attrs_attrs__ in place! That means that is has to come after your decorator because:"
        ],
        [
            (P, "attrs.define or attr.s has to be applied first, since it's what puts __attrs_attrs__ in place."),
            (
                S,
                "Put the attrs decorator after yours in the source, so that it's applied first and __attrs_attrs__ exists.",
            ),
            (COND, "The attrs.define decorator must be applied last because it puts __attrs_attrs__ in place."),
            (COND, "The attrs.define decorator has to come before your decorator in the code."),
        ],
    ),
    (
        "extending.md#Wrapping the Decorator",
        [
            "A more elegant way can be to wrap attrs altogether and build a class DSL on top of it. An example for that is the package environ-config that uses attrs under the hood to define environment-based configurations declaratively without exposing attrs APIs at all. Another common use case is to overwrite attrs's defaults."
        ],
        [
            (P, "A more elegant option is to wrap attrs entirely and build a class DSL on top of it."),
            (
                S,
                "environ-config, for instance, uses attrs under the hood for declarative environment-based configuration without exposing attrs's APIs; overriding attrs's defaults is another common reason to wrap it.",
            ),
            (
                NAME,
                "The package cattrs uses attrs under the hood to define environment-based configurations declaratively.",
            ),
            (NEG, "environ-config uses attrs under the hood and exposes the attrs APIs to define configurations."),
        ],
    ),
    (
        "extending.md#Mypy",
        [
            "Please note that it is currently impossible to let Mypy know that you've changed defaults like eq or order. You can only use this trick to tell Mypy that a class is actually an attrs class."
        ],
        [
            (P, "There's currently no way to tell Mypy that you've changed defaults such as eq or order."),
            (
                S,
                "This trick can only tell Mypy that a class is an attrs class; it can't tell it about changed defaults.",
            ),
            (NEG, "With this trick you can let Mypy know that you've changed defaults like eq or order."),
            (NAME, "It is currently impossible to let Pyright know that you've changed defaults like eq or order."),
        ],
    ),
    (
        "extending.md#Types",
        [
            "Currently, attrs doesn't do anything with this information but it's very useful if you'd like to write your own validators or serializers! Originally, we didn't add the type argument to the new {func}attrs.field API, because type annotations are the preferred way. But we reintroduced it later, so field can be used with the {func}attrs.make_class function. We strongly discourage the use of the type parameter outside of {func}attrs.make_class."
        ],
        [
            (
                P,
                "attrs itself does nothing with the type information, but it's handy if you write your own validators or serializers.",
            ),
            (
                S,
                "The type argument was left out of attrs.field at first because annotations are preferred, then brought back so field works with attrs.make_class; using it elsewhere is strongly discouraged.",
            ),
            (NEG, "attrs uses the type information to validate attribute values."),
            (
                NAME,
                "The type parameter was reintroduced so that field can be used with attrs.define, and using it outside attrs.define is discouraged.",
            ),
            (SCOPE, "The type parameter is recommended everywhere, not just with attrs.make_class."),
        ],
    ),
    (
        "extending.md#Metadata",
        [
            "If you're the author of a third-party library with attrs integration, you may want to take advantage of attribute metadata. Here are some tips for effective use of metadata: - Try making your metadata keys and values immutable. This keeps the entire {class}~attrs.Attribute instances immutable too. - To avoid metadata key collisions, consider exposing your metadata keys from your modules.:"
        ],
        [
            (P, "Authors of third-party libraries that integrate with attrs may want to use attribute metadata."),
            (
                S,
                "Make metadata keys and values immutable so attrs.Attribute instances stay immutable, and expose your metadata keys from your modules to avoid collisions.",
            ),
            (NEG, "Try making your metadata keys and values mutable, which keeps the Attribute instances mutable too."),
            (SCOPE, "Making only your metadata keys immutable keeps the entire Attribute instances immutable."),
        ],
    ),
    (
        "extending.md#Automatic Field Transformation and Modification",
        [
            "attrs allows you to automatically modify or transform the class' fields while the class is being created. You do this by passing a field_transformer hook to {func}~attrs.define (and friends). Its main purpose is to automatically add converters to attributes based on their type to aid the development of API clients and other typed data loaders."
        ],
        [
            (
                P,
                "You can have attrs modify or transform a class's fields while it's being created by passing a field_transformer hook to attrs.define and friends.",
            ),
            (
                S,
                "The field_transformer hook is mainly for adding converters automatically based on attribute types, which helps with API clients and other typed data loaders.",
            ),
            (NAME, "To transform a class's fields while it's created, pass a value_serializer hook to attrs.define."),
            (
                NAME,
                "The field_transformer hook's main purpose is to automatically add validators to attributes based on their type.",
            ),
            (COND, "attrs lets you transform the class's fields after the class has been created."),
        ],
    ),
    (
        "extending.md#Customize Value Serialization in asdict()",
        [
            "attrs allows you to serialize instances of attrs classes to dicts using the {func}attrs.asdict function. However, the result can not always be serialized since most data types will remain as they are:"
        ],
        [
            (P, "attrs.asdict serializes attrs instances to dicts."),
            (
                S,
                "The dict that attrs.asdict returns can't always be serialized further, because most data types are left as they are.",
            ),
            (
                NAME,
                "attrs allows you to serialize instances of attrs classes to dicts using the attrs.astuple function.",
            ),
            (SCOPE, "The result of attrs.asdict can always be serialized, since it converts every data type."),
        ],
    ),
]

# (source "file#heading" [| more], [passages], [(kind, answer), ...])
GROUPS: list[Group] = GROUPS1 + GROUPS2 + GROUPS3 + GROUPS4


if __name__ == "__main__":
    write_cases(GROUPS, set_name=SET, id_prefix="at", split="test4", out=OUT)
