# ruff: noqa: E501  (hand-written cases: one answer per line reads better than wrapped strings)
"""Writes `heldout_gunicorn.jsonl` (split `test3`): hand-written grounding cases on the Gunicorn 23.0.0 docs.

    python bench/data/grounding/make_heldout_gunicorn.py

Every answer and label below was written by hand from the passage(s) of its group; the script only numbers
the cases, fills in the common fields and checks that each passage is verbatim in its parsed section (the
documents: the `docs/source` folder of the `gunicorn==23.0.0` sdist, fetched once into
`bench/.cache/grounding-gunicorn/` — the same fetch `bench/grounding_bench.py` uses).
"""

from __future__ import annotations

from pathlib import Path

from heldout_cases import COND, NAME, NEG, NUM, SCOPE, UNIT, Group, P, S, write_cases

OUT = Path(__file__).with_name("heldout_gunicorn.jsonl")
SET = "gunicorn"


# (source "file#heading" [| more], [passages], [(kind, answer), ...])
GROUPS: list[Group] = [
    (
        "design.rst#Server Model",
        [
            "Gunicorn is based on the pre-fork worker model. This means that there is a central master process that manages a set of worker processes. The master never knows anything about individual clients. All requests and responses are handled completely by worker processes."
        ],
        [
            (
                P,
                "Gunicorn uses a pre-fork worker model: a central master process manages a set of worker processes, and the workers handle all requests and responses.",
            ),
            (
                S,
                "The master just manages the workers and never knows about individual clients; the workers do all the request handling.",
            ),
            (
                NEG,
                "Gunicorn uses a pre-fork model in which the master process keeps track of individual clients, while the workers handle requests and responses.",
            ),
            (
                NAME,
                "In Gunicorn's pre-fork model, all requests and responses are handled completely by the master process.",
            ),
        ],
    ),
    (
        "design.rst#Master",
        [
            "The master process is a simple loop that listens for various process signals and reacts accordingly. It manages the list of running workers by listening for signals like TTIN, TTOU, and CHLD. TTIN and TTOU tell the master to increase or decrease the number of running workers. CHLD indicates that a child process has terminated, in this case the master process automatically restarts the failed worker."
        ],
        [
            (
                P,
                "The master is a simple loop that reacts to process signals. TTIN and TTOU make it raise or lower the number of running workers, and when CHLD says a child has terminated, it restarts the failed worker automatically.",
            ),
            (
                S,
                "The master manages its workers through signals: TTIN and TTOU to scale them up or down, CHLD to restart one that died.",
            ),
            (
                NAME,
                "When the master receives TTOU, which indicates that a child process has terminated, it automatically restarts the failed worker.",
            ),
            (COND, "The master restarts a failed worker only after an administrator sends it the TTIN signal."),
        ],
    ),
    (
        "design.rst#Sync Workers",
        [
            "The most basic and the default worker type is a synchronous worker class that handles a single request at a time. This model is the simplest to reason about as any errors will affect at most a single request. Though as we describe below only processing a single request at a time requires some assumptions about how applications are programmed. sync worker does not support persistent connections - each connection is closed after response has been sent (even if you manually add Keep-Alive or Connection: keep-alive header in your application)."
        ],
        [
            (
                P,
                "The default worker type is synchronous and handles one request at a time, which makes it the easiest to reason about: an error affects at most one request.",
            ),
            (
                S,
                "Sync workers, the default, serve a single request at a time and don't support persistent connections; each connection is closed once the response is sent, even if your app adds a Keep-Alive header.",
            ),
            (
                NEG,
                "Sync workers support persistent connections, so a connection stays open after the response when your application adds a Keep-Alive header.",
            ),
            (
                NUM,
                "The default synchronous worker handles a single request at a time, so any error affects at most two requests.",
            ),
            (
                COND,
                "Sync workers close each connection after the response has been sent, unless your application adds a Connection: keep-alive header.",
            ),
        ],
    ),
    (
        "design.rst#Gthread Workers",
        [
            "The worker gthread is a threaded worker. It accepts connections in the main loop. Accepted connections are added to the thread pool as a connection job. On keepalive connections are put back in the loop waiting for an event. If no event happens after the keepalive timeout, the connection is closed."
        ],
        [
            (
                P,
                "gthread is a threaded worker: it accepts connections in its main loop and hands each accepted one to a thread pool as a connection job.",
            ),
            (
                S,
                "With gthread, keep-alive connections go back into the loop to wait for an event, and they're closed if nothing happens before the keepalive timeout.",
            ),
            (
                COND,
                "With gthread, a keep-alive connection is closed when the keepalive timeout expires, even if an event happens.",
            ),
            (
                NAME,
                "The gevent worker accepts connections in the main loop and adds them to the thread pool as connection jobs.",
            ),
        ],
    ),
    (
        "design.rst#Tornado Workers",
        [
            "There's also a Tornado worker class. It can be used to write applications using the Tornado framework. Although the Tornado workers are capable of serving a WSGI application, this is not a recommended configuration."
        ],
        [
            (
                P,
                "Gunicorn has a Tornado worker class for applications written with the Tornado framework. It can serve a WSGI app too, but that setup isn't recommended.",
            ),
            (S, "Tornado workers exist for Tornado apps; serving WSGI apps with them works but is not recommended."),
            (NEG, "The Tornado worker class can also serve WSGI applications, and that's a recommended configuration."),
        ],
    ),
    (
        "design.rst#Choosing a Worker Type",
        [
            "The default synchronous workers assume that your application is resource-bound in terms of CPU and network bandwidth. Generally this means that your application shouldn't do anything that takes an undefined amount of time. An example of something that takes an undefined amount of time is a request to the internet.",
            "This resource bound assumption is why we require a buffering proxy in front of a default configuration Gunicorn. If you exposed synchronous workers to the internet, a DOS attack would be trivial by creating a load that trickles data to the servers.",
        ],
        [
            (
                P,
                "Sync workers assume your app is bound by CPU and network bandwidth, so it shouldn't do anything that takes an undefined amount of time, such as a request to the internet.",
            ),
            (
                S,
                "Because the default workers assume a resource-bound app, a default Gunicorn needs a buffering proxy in front; exposing sync workers directly to the internet makes a DOS attack trivial with a load that trickles data.",
            ),
            (
                NEG,
                "The resource-bound assumption is why a default Gunicorn doesn't need a buffering proxy in front of it.",
            ),
            (COND, "A buffering proxy is only needed in front of Gunicorn when you use asynchronous workers."),
        ],
    ),
    (
        "design.rst#Choosing a Worker Type",
        [
            "So, in this sense, any web application which makes outgoing requests to APIs will benefit from an asynchronous worker.",
            "Some examples of behavior requiring asynchronous workers: * Applications making long blocking calls (Ie, external web services) * Serving requests directly to the internet * Streaming requests and responses * Long polling * Web sockets * Comet",
        ],
        [
            (
                P,
                "You'll want asynchronous workers for apps that make long blocking calls to external web services, serve requests directly to the internet, stream requests and responses, or use long polling, web sockets or Comet.",
            ),
            (
                S,
                "Any app making outgoing API requests benefits from an async worker; streaming, long polling and web sockets need one too.",
            ),
            (
                NEG,
                "Serving requests directly to the internet doesn't require asynchronous workers, but long blocking calls, streaming, long polling and web sockets do.",
            ),
            (SCOPE, "Only applications that use web sockets benefit from an asynchronous worker."),
        ],
    ),
    (
        "design.rst#How Many Workers?",
        [
            "DO NOT scale the number of workers to the number of clients you expect to have. Gunicorn should only need 4-12 worker processes to handle hundreds or thousands of requests per second. Gunicorn relies on the operating system to provide all of the load balancing when handling requests. Generally we recommend (2 x $num_cores) + 1 as the number of workers to start off with."
        ],
        [
            (
                P,
                "Don't size your worker count to the number of clients you expect: 4 to 12 worker processes should handle hundreds or thousands of requests per second.",
            ),
            (
                S,
                "Start with (2 x $num_cores) + 1 workers and let the operating system do the load balancing; don't scale workers with the client count.",
            ),
            (
                NUM,
                "Gunicorn should only need 4 to 24 worker processes to handle hundreds or thousands of requests per second.",
            ),
            (
                NAME,
                "Gunicorn relies on the master process to provide all of the load balancing when handling requests.",
            ),
        ],
    ),
    (
        "design.rst#How Many Workers?",
        [
            "While not overly scientific, the formula is based on the assumption that for a given core, one worker will be reading or writing from the socket while the other worker is processing a request. Obviously, your particular hardware and application are going to affect the optimal number of workers. Our recommendation is to start with the above guess and tune using TTIN and TTOU signals while the application is under load. Always remember, there is such a thing as too many workers. After a point your worker processes will start thrashing system resources decreasing the throughput of the entire system."
        ],
        [
            (
                P,
                "The formula assumes that, per core, one worker reads from or writes to the socket while the other processes a request. Begin with that guess and tune it with TTIN and TTOU while the app is under load.",
            ),
            (
                S,
                "Too many workers is a real thing: past a point they thrash system resources and lower the whole system's throughput.",
            ),
            (
                NEG,
                "There's no such thing as too many workers; adding more keeps raising the throughput of the entire system.",
            ),
            (COND, "Tune the worker count with TTIN and TTOU before the application is put under load."),
            (
                NAME,
                "Start with the formula and tune the number with the USR1 and USR2 signals while the application is under load.",
            ),
        ],
    ),
    (
        "design.rst#How Many Threads?",
        [
            "Since Gunicorn 19, a threads option can be used to process requests in multiple threads. Using threads assumes use of the gthread worker. One benefit from threads is that requests can take longer than the worker timeout while notifying the master process that it is not frozen and should not be killed."
        ],
        [
            (
                P,
                "Since version 19, Gunicorn has a threads option to process requests in several threads, which implies the gthread worker.",
            ),
            (
                S,
                "With threads (the gthread worker, Gunicorn 19 and later), a request can run past the worker timeout because the worker keeps telling the master it isn't frozen.",
            ),
            (NUM, "The threads option has been available since Gunicorn 17 and assumes the gthread worker."),
            (
                NEG,
                "With threads, a request still can't take longer than the worker timeout, because the master will kill the worker.",
            ),
        ],
    ),
    (
        "design.rst#How Many Threads?",
        [
            "Using threads instead of processes is a good way to reduce the memory footprint of Gunicorn, while still allowing for application upgrades using the reload signal, as the application code will be shared among workers but loaded only in the worker processes (unlike when using the preload setting, which loads the code in the master process)."
        ],
        [
            (
                P,
                "Threads instead of processes shrink Gunicorn's memory footprint and still let you upgrade the app with the reload signal, because the code is shared among workers but loaded only in the worker processes.",
            ),
            (
                S,
                "Prefer threads to cut memory use; unlike the preload setting, which loads the code in the master, threaded workers load it only in the worker processes.",
            ),
            (
                NAME,
                "Threads reduce the memory footprint, since the application code is then loaded only in the master process.",
            ),
            (
                NEG,
                "Using threads instead of processes reduces the memory footprint, but it no longer lets you upgrade the application with the reload signal.",
            ),
        ],
    ),
    (
        "faq.rst#How do I set SCRIPT_NAME?",
        [
            "By default SCRIPT_NAME is an empty string. The value could be set by setting SCRIPT_NAME in the environment or as an HTTP header. Note that this headers contains and underscore, so it is only accepted from trusted forwarders listed in the forwarded-allow-ips setting."
        ],
        [
            (
                P,
                "SCRIPT_NAME is an empty string by default; you can set it in the environment or send it as an HTTP header.",
            ),
            (
                S,
                "Because the SCRIPT_NAME header contains an underscore, Gunicorn only accepts it from trusted forwarders in forwarded-allow-ips.",
            ),
            (
                COND,
                "The SCRIPT_NAME header is accepted from any client, even one that isn't listed in forwarded-allow-ips.",
            ),
            (
                NAME,
                "Since the header contains an underscore, it's only accepted from trusted forwarders listed in the proxy-allow-from setting.",
            ),
        ],
    ),
    (
        "faq.rst#How do I reload my application in Gunicorn? | signals.rst#Reload the configuration",
        [
            "You can gracefully reload by sending HUP signal to gunicorn:: $ kill -HUP masterpid",
            "Sending a HUP signal will reload the configuration, start the new worker processes with a new configuration and gracefully shutdown older workers. If the application is not preloaded (using the preload-app option), Gunicorn will also load the new version of it.",
        ],
        [
            (P, "To reload Gunicorn gracefully, send it the HUP signal, for example kill -HUP masterpid."),
            (
                S,
                "HUP reloads the configuration: new workers start with it and the old ones shut down gracefully, and an app that isn't preloaded is reloaded in its new version too.",
            ),
            (NAME, "To reload Gunicorn gracefully, send the USR1 signal to the master process."),
            (
                COND,
                "On HUP, Gunicorn also loads the new version of the application if it was preloaded with the preload-app option.",
            ),
            (
                NEG,
                "A HUP signal reloads the configuration and starts new workers, but the older workers are killed at once rather than shut down gracefully.",
            ),
        ],
    ),
    (
        "faq.rst#How might I test a proxy configuration?",
        [
            "The Hey_ program is a great way to test that your proxy is correctly buffering responses for the synchronous workers:: $ hey -n 10000 -c 100 http://127.0.0.1:5000/ This runs a benchmark of 10000 requests with 100 running concurrently."
        ],
        [
            (
                P,
                "You can use hey to check that your proxy buffers responses for the sync workers; hey -n 10000 -c 100 runs 10,000 requests with 100 at a time.",
            ),
            (S, "Test proxy buffering with hey: the example benchmarks 10000 requests, 100 of them concurrent."),
            (NUM, "The example hey command runs 10,000 requests with 1,000 running concurrently."),
            (SCOPE, "Hey is a good way to test that your proxy buffers responses correctly for every worker type."),
        ],
    ),
    (
        "faq.rst#How can I name processes?",
        [
            "If you install the Python package setproctitle_ Gunicorn will set the process names to something a bit more meaningful. This will affect the output you see in tools like ps and top. This helps for distinguishing the master process as well as between masters when running more than one app on a single machine."
        ],
        [
            (
                P,
                "With the setproctitle package installed, Gunicorn gives its processes more meaningful names, which shows up in tools like ps and top.",
            ),
            (
                S,
                "Installing setproctitle makes process names meaningful, so you can tell the master apart and distinguish the masters of several apps on one machine.",
            ),
            (COND, "Gunicorn sets meaningful process names even without the setproctitle package installed."),
            (
                NAME,
                "If you install the psutil package, Gunicorn will give its processes more meaningful names in ps and top.",
            ),
        ],
    ),
    (
        "faq.rst#Why is there no HTTP Keep-Alive?",
        [
            "The default Sync workers are designed to run behind Nginx which only uses HTTP/1.0 with its upstream servers. If you want to deploy Gunicorn to handle unbuffered requests (ie, serving requests directly from the internet) you should use one of the async workers."
        ],
        [
            (
                P,
                "Sync workers are meant to sit behind Nginx, which talks only HTTP/1.0 to its upstream servers; to serve unbuffered requests straight from the internet, use an async worker.",
            ),
            (
                S,
                "There's no keep-alive in the sync workers because they're designed for Nginx's HTTP/1.0 upstream connections.",
            ),
            (
                NUM,
                "The default sync workers are designed to run behind Nginx, which only uses HTTP/1.1 with its upstream servers.",
            ),
            (
                NEG,
                "To handle unbuffered requests directly from the internet you don't need an async worker; the sync workers are fine.",
            ),
        ],
    ),
    (
        "faq.rst#How can I change the number of workers dynamically?",
        [
            "TTIN and TTOU signals can be sent to the master to increase or decrease the number of workers. To increase the worker count by one:: $ kill -TTIN $masterpid To decrease the worker count by one:: $ kill -TTOU $masterpid"
        ],
        [
            (P, "Send TTIN to the master to add a worker and TTOU to remove one, e.g. kill -TTIN $masterpid."),
            (
                S,
                "You can change the number of workers at runtime with TTIN (one more) and TTOU (one fewer) sent to the master.",
            ),
            (NUM, "Each TTIN signal sent to the master increases the worker count by two."),
            (NAME, "To decrease the worker count by one, run kill -TTIN $masterpid."),
        ],
    ),
    (
        "faq.rst#Does Gunicorn suffer from the thundering herd problem?",
        [
            "The thundering herd problem occurs when many sleeping request handlers, which may be either threads or processes, wake up at the same time to handle a new request. Since only one handler will receive the request, the others will have been awakened for no reason, wasting CPU cycles. At this time, Gunicorn does not implement any IPC solution for coordinating between worker processes. You may experience high load due to this problem when using many workers or threads."
        ],
        [
            (
                P,
                "The thundering herd is when many sleeping handlers, threads or processes, wake at once for a new request; only one gets it, so the rest woke for nothing and wasted CPU cycles.",
            ),
            (
                S,
                "Gunicorn has no IPC coordination between worker processes yet, so with many workers or threads you may see high load from the thundering herd.",
            ),
            (
                NEG,
                "Gunicorn implements an IPC solution to coordinate its worker processes, which avoids the thundering herd problem.",
            ),
            (
                SCOPE,
                "Only one handler receives the request, so the others are woken for no reason; this happens with threads only, never with processes.",
            ),
        ],
    ),
    (
        "faq.rst#Why I don't see any logs in the console?",
        [
            "In version 19.0, Gunicorn doesn't log by default in the console. To watch the logs in the console you need to use the option --log-file=-. In version 19.2, Gunicorn logs to the console by default again."
        ],
        [
            (
                P,
                "Gunicorn 19.0 stopped logging to the console by default (you needed --log-file=- to see the logs there), and 19.2 went back to logging to the console by default.",
            ),
            (
                S,
                "Console logging was off by default in 19.0, where you pass --log-file=-, and it's on again from 19.2.",
            ),
            (
                NUM,
                "Gunicorn 19.0 doesn't log to the console by default; version 19.4 made console logging the default again.",
            ),
            (NAME, "In 19.0, to see the logs in the console you have to pass --access-logfile=-."),
        ],
    ),
    (
        "faq.rst#Kernel Parameters",
        [
            "When dealing with large numbers of concurrent connections there are a handful of kernel parameters that you might need to adjust. Generally these should only affect sites with a very large concurrent load. These parameters are not specific to Gunicorn, they would apply to any sort of network server you may be running. These commands are for Linux."
        ],
        [
            (
                P,
                "With large numbers of concurrent connections you may need to adjust a few kernel parameters; usually that matters only for sites with a very large concurrent load.",
            ),
            (
                S,
                "These kernel tweaks aren't Gunicorn-specific: they apply to any network server, and the commands given are for Linux.",
            ),
            (NEG, "These kernel parameters are specific to Gunicorn and don't apply to other network servers."),
            (SCOPE, "These kernel parameters affect every site, whatever its concurrent load."),
            (NAME, "The commands given for these kernel parameters are for FreeBSD."),
        ],
    ),
    (
        "faq.rst#How can I increase the maximum number of file descriptors?",
        [
            "One of the first settings that usually needs to be bumped is the maximum number of open file descriptors for a given process. For the confused out there, remember that Unices treat sockets as files. .. warning:: sudo ulimit may not work Considering non-privileged users are not able to relax the limit, you should firstly switch to root user, increase the limit, then run gunicorn. Using sudo ulimit would not take effect."
        ],
        [
            (
                P,
                "The maximum number of open file descriptors per process is usually one of the first settings to raise, since Unix systems treat sockets as files.",
            ),
            (
                S,
                "Non-privileged users can't relax the file descriptor limit and sudo ulimit won't take effect, so switch to root, raise the limit, then start gunicorn.",
            ),
            (NEG, "Using sudo ulimit is enough to raise the limit, so you don't need to switch to the root user."),
            (COND, "Switch to the root user, run gunicorn, and then increase the file descriptor limit."),
        ],
    ),
    (
        "settings.rst#backlog",
        [
            "Command line: --backlog INT Default: 2048 The maximum number of pending connections. This refers to the number of clients that can be waiting to be served. Exceeding this number results in the client getting an error when attempting to connect. It should only affect servers under significant load. Must be a positive integer. Generally set in the 64-2048 range."
        ],
        [
            (
                P,
                "--backlog sets the maximum number of pending connections, 2048 by default: how many clients can wait to be served. Go over it and clients get an error when they try to connect.",
            ),
            (
                S,
                "The backlog (default 2048, usually set between 64 and 2048) caps the clients waiting to be served and should only matter under significant load.",
            ),
            (NUM, "The backlog setting defaults to 1024 pending connections."),
            (SCOPE, "Exceeding the backlog affects every server, whatever its load."),
            (NEG, "Exceeding the backlog doesn't cause an error; the client just waits longer to connect."),
        ],
    ),
    (
        "faq.rst#How can I disable the use of sendfile()",
        [
            "Disabling the use sendfile() can be done by using the --no-sendfile setting or by setting the environment variable SENDFILE to 0."
        ],
        [
            (P, "To turn off sendfile(), pass --no-sendfile or set the SENDFILE environment variable to 0."),
            (
                S,
                "sendfile() can be disabled from the command line with --no-sendfile or through the environment with SENDFILE=0.",
            ),
            (
                NUM,
                "You can disable sendfile() with --no-sendfile or by setting the environment variable SENDFILE to 1.",
            ),
            (
                NAME,
                "Disable sendfile() with the --no-sendfile flag or by setting the SENDFILE_DISABLE environment variable to 0.",
            ),
        ],
    ),
    (
        "faq.rst#How do I fix Django reporting an ImproperlyConfigured error?",
        [
            "With asynchronous workers, creating URLs with the reverse function of django.core.urlresolvers may fail. Use reverse_lazy instead."
        ],
        [
            (
                P,
                "Under async workers, building URLs with Django's reverse function from django.core.urlresolvers can fail; use reverse_lazy instead.",
            ),
            (S, "If reverse from django.core.urlresolvers fails with async workers, switch to reverse_lazy."),
            (NAME, "With asynchronous workers, creating URLs with reverse_lazy may fail, so use reverse instead."),
            (
                COND,
                "With synchronous workers, creating URLs with the reverse function of django.core.urlresolvers may fail; use reverse_lazy instead.",
            ),
        ],
    ),
    (
        "faq.rst#How do I avoid Gunicorn excessively blocking in os.fchmod?",
        [
            "The current heartbeat system involves calling os.fchmod on temporary file handlers and may block a worker for arbitrary time if the directory is on a disk-backed filesystem. For example, by default /tmp is not mounted as tmpfs in Ubuntu; in AWS an EBS root instance volume may sometimes hang for half a minute and during this time Gunicorn workers may completely block in os.fchmod."
        ],
        [
            (
                P,
                "Gunicorn's heartbeat calls os.fchmod on temporary file handlers, which can block a worker for an arbitrary time when the directory is on a disk-backed filesystem.",
            ),
            (
                S,
                "On AWS an EBS root volume can hang for about 30 seconds, and workers may block completely in os.fchmod meanwhile; Ubuntu doesn't mount /tmp as tmpfs by default.",
            ),
            (
                UNIT,
                "In AWS an EBS root instance volume may sometimes hang for half an hour, and Gunicorn workers may block in os.fchmod all that time.",
            ),
            (
                COND,
                "os.fchmod may block a worker for an arbitrary time if the heartbeat directory is on a tmpfs mount.",
            ),
            (NEG, "By default Ubuntu mounts /tmp as tmpfs."),
        ],
    ),
    (
        "faq.rst#How do I avoid Gunicorn excessively blocking in os.fchmod?",
        [
            "Currently to avoid these problems you can use a tmpfs mount (for a new directory or for /tmp) and pass its path to --worker-tmp-dir. First, check whether your /tmp is disk-backed or RAM-backed:: $ df /tmp Filesystem 1K-blocks Used Available Use% Mounted on /dev/xvda1 ... ... ... ... / No luck. If you are using Fedora or Ubuntu, you should already have a tmpfs mount at /dev/shm::"
        ],
        [
            (
                P,
                "To avoid this, use a tmpfs mount, either a new directory or /tmp, and pass its path to --worker-tmp-dir.",
            ),
            (
                S,
                "Point --worker-tmp-dir at a tmpfs mount; on Fedora or Ubuntu you should already have one at /dev/shm.",
            ),
            (
                NAME,
                "Fedora and Ubuntu should already have a tmpfs mount at /run/shm, which you can pass to --worker-tmp-dir.",
            ),
        ],
    ),
    (
        "faq.rst#Why are Workers Silently Killed?",
        [
            "This particular failure case is usually due to a SIGKILL being received, as it's not possible to catch this signal silence is usually a common side effect! A common cause of SIGKILL is when OOM killer terminates a process due to low memory condition. This is increasingly common in container deployments where memory limits are enforced by cgroups, you'll usually see evidence of this from dmesg::"
        ],
        [
            (
                P,
                "Silent worker deaths are usually caused by a SIGKILL, which can't be caught, so nothing gets logged; the OOM killer terminating a process under low memory is a common source.",
            ),
            (
                S,
                "In container deployments with cgroup memory limits, OOM kills are increasingly common, and dmesg usually shows the evidence.",
            ),
            (
                NAME,
                "This failure is usually due to a SIGTERM being received, and since that signal can't be caught, silence is the common side effect.",
            ),
            (NEG, "Gunicorn can catch SIGKILL and log it, so a silent worker death is unusual."),
            (SCOPE, "A SIGKILL like this is always sent by the OOM killer when memory runs low."),
        ],
    ),
    (
        "signals.rst#Master process",
        [
            "QUIT, INT: Quick shutdown - TERM: Graceful shutdown. Waits for workers to finish their current requests up to the graceful-timeout."
        ],
        [
            (
                P,
                "Sending QUIT or INT to the master shuts it down quickly, while TERM does a graceful shutdown that waits for workers to finish their current requests, up to the graceful-timeout.",
            ),
            (S, "QUIT and INT mean a quick shutdown; TERM a graceful one, bounded by the graceful-timeout."),
            (
                NAME,
                "TERM and INT give a quick shutdown, while QUIT waits for the workers to finish their current requests.",
            ),
            (
                COND,
                "On TERM the master waits for the workers to finish their current requests, however long that takes.",
            ),
        ],
    ),
    (
        "signals.rst#Master process",
        [
            "TTIN: Increment the number of processes by one - TTOU: Decrement the number of processes by one - USR1: Reopen the log files - USR2: Upgrade Gunicorn on the fly. A separate TERM signal should be used to kill the old master process."
        ],
        [
            (
                P,
                "USR1 makes the master reopen its log files and USR2 upgrades Gunicorn on the fly; the old master then has to be killed with a separate TERM signal.",
            ),
            (S, "USR1 reopens the logs, USR2 upgrades on the fly, and TTIN and TTOU add or remove one process."),
            (NAME, "Sending USR2 to the master makes it reopen the log files."),
            (
                NEG,
                "After a USR2 upgrade the old master exits on its own, so you don't need to send it a separate TERM signal.",
            ),
        ],
    ),
    (
        "signals.rst#Worker process",
        [
            "Sending signals directly to the worker processes should not normally be needed. If the master process is running, any exited worker will be automatically respawned. - QUIT, INT: Quick shutdown - TERM: Graceful shutdown - USR1: Reopen the log files"
        ],
        [
            (
                P,
                "You normally shouldn't need to signal worker processes directly: as long as the master is running, any worker that exits is respawned automatically.",
            ),
            (
                S,
                "Workers understand QUIT and INT (quick shutdown), TERM (graceful shutdown) and USR1 (reopen the log files), but you rarely need to signal them directly.",
            ),
            (COND, "Exited workers are respawned automatically even when the master process is not running."),
            (NAME, "A worker process responds to USR2 by reopening its log files."),
        ],
    ),
    (
        "signals.rst#Upgrading to a new binary on the fly",
        [
            "If you need to replace the Gunicorn binary with a new one (when upgrading to a new version or adding/removing server modules), you can do it without any service downtime - no incoming requests will be lost. Preloaded applications will also be reloaded. First, replace the old binary with a new one, then send a USR2 signal to the current master process. It executes a new binary whose PID file is postfixed with .2 (e.g. /var/run/gunicorn.pid.2), which in turn starts a new master process and new worker processes::"
        ],
        [
            (
                P,
                "You can swap the Gunicorn binary for a new one with no downtime and no lost requests: replace the binary, then send USR2 to the current master.",
            ),
            (
                S,
                "A USR2 upgrade runs the new binary, whose PID file gets a .2 suffix, and it starts a new master and new workers; preloaded applications are reloaded as well.",
            ),
            (COND, "Send USR2 to the current master first, and then replace the old binary with the new one."),
            (NEG, "Upgrading the binary this way causes a short downtime, and some incoming requests may be lost."),
            (NUM, "The new binary's PID file is postfixed with .1, as in /var/run/gunicorn.pid.1."),
        ],
    ),
    (
        "signals.rst#Upgrading to a new binary on the fly",
        [
            "At this point, two instances of Gunicorn are running, handling the incoming requests together. To phase the old instance out, you have to send a WINCH signal to the old master process, and its worker processes will start to gracefully shut down. At this point you can still revert to the old process since it hasn't closed its listen sockets yet, by following these steps:"
        ],
        [
            (
                P,
                "After the upgrade both instances run and share the incoming requests; sending WINCH to the old master starts a graceful shutdown of its workers.",
            ),
            (
                S,
                "Even after WINCH, you can still revert to the old process, because it hasn't closed its listen sockets yet.",
            ),
            (
                NAME,
                "To phase out the old instance, send a QUIT signal to the old master, and its workers will start to shut down gracefully.",
            ),
            (NUM, "At this point three instances of Gunicorn are running and handle the incoming requests together."),
            (NEG, "Once the old workers start shutting down, you can no longer revert to the old process."),
        ],
    ),
    (
        "run.rst#gunicorn",
        [
            "Where WSGI_APP is of the pattern $(MODULE_NAME):$(VARIABLE_NAME). The module name can be a full dotted path. The variable name refers to a WSGI callable that should be found in the specified module. .. versionchanged:: 20.1.0 WSGI_APP is optional if it is defined in a config file."
        ],
        [
            (
                P,
                "WSGI_APP takes the form $(MODULE_NAME):$(VARIABLE_NAME), where the module can be a full dotted path and the variable names a WSGI callable in that module.",
            ),
            (S, "Since 20.1.0 you can leave WSGI_APP out if your config file defines it."),
            (NUM, "Since Gunicorn 19.1.0, WSGI_APP is optional if it's defined in a config file."),
            (COND, "WSGI_APP is always optional, even when no config file defines it."),
            (NEG, "The module name in WSGI_APP can't be a dotted path."),
        ],
    ),
    (
        "run.rst#gunicorn",
        [
            'The variable name can also be a function call. In that case the name will be imported from the module, then called to get the application object. This is commonly referred to as the "application factory" pattern.',
            "Positional and keyword arguments can also be passed, but it is recommended to load configuration from environment variables rather than the command line.",
        ],
        [
            (
                P,
                "The variable can also be a function call: Gunicorn imports the name from the module and calls it to get the application object, the so-called application factory pattern.",
            ),
            (
                S,
                "You may pass positional and keyword arguments to the factory, but loading configuration from environment variables is recommended over the command line.",
            ),
            (NEG, "Positional and keyword arguments can't be passed in the factory call."),
            (
                COND,
                "With a function call, the name is called first and then imported from the module to get the application object.",
            ),
        ],
    ),
    (
        "run.rst#Commonly Used Arguments",
        [
            "-w WORKERS, --workers=WORKERS - The number of worker processes. This number should generally be between 2-4 workers per core in the server. Check the faq for ideas on tuning this parameter. * -k WORKERCLASS, --worker-class=WORKERCLASS - The type of worker process to run. You'll definitely want to read the production page for the implications of this parameter. You can set this to $(NAME) where $(NAME) is one of sync, eventlet, gevent, tornado, gthread. sync is the default."
        ],
        [
            (
                P,
                "-w (--workers) sets how many worker processes run, generally 2 to 4 per core, and -k (--worker-class) picks their type: sync, eventlet, gevent, tornado or gthread, with sync as the default.",
            ),
            (S, "Use 2-4 workers per core with -w, and choose the worker type with -k, which defaults to sync."),
            (NUM, "The -w option should generally be set to between 2 and 8 workers per core."),
            (NAME, "-k can be sync, eventlet, gevent, tornado or gthread; gevent is the default."),
            (
                SCOPE,
                "The number of workers should generally be between 2 and 4 for the whole server, however many cores it has.",
            ),
        ],
    ),
    (
        "run.rst#Commonly Used Arguments",
        [
            "-c CONFIG, --config=CONFIG - Specify a config file in the form $(PATH), file:$(PATH), or python:$(MODULE_NAME). * -b BIND, --bind=BIND - Specify a server socket to bind. Server sockets can be any of $(HOST), $(HOST):$(PORT), fd://$(FD), or unix:$(PATH). An IP is a valid $(HOST)."
        ],
        [
            (
                P,
                "-c (--config) takes a config file as $(PATH), file:$(PATH) or python:$(MODULE_NAME), and -b (--bind) the server socket to bind: $(HOST), $(HOST):$(PORT), fd://$(FD) or unix:$(PATH).",
            ),
            (
                S,
                "Bind with -b to a host, a host and port, an fd:// descriptor or a unix: path; an IP counts as a valid host.",
            ),
            (NAME, "With -b you can bind to $(HOST), $(HOST):$(PORT), fd://$(FD) or tcp:$(PATH)."),
            (NEG, "An IP address isn't a valid $(HOST) for -b; you have to use a hostname."),
        ],
    ),
    (
        "run.rst#Django",
        [
            "Gunicorn will look for a WSGI callable named application if not specified. So for a typical Django project, invoking Gunicorn would look like:: $ gunicorn myproject.wsgi .. note:: This requires that your project be on the Python path; the simplest way to ensure that is to run this command from the same directory as your manage.py file."
        ],
        [
            (
                P,
                "If you don't name the callable, Gunicorn looks for one called application, so a typical Django project runs with gunicorn myproject.wsgi.",
            ),
            (
                S,
                "Your project has to be on the Python path; the simplest way to make sure of that is to run the command from the directory that holds manage.py.",
            ),
            (NAME, "Unless told otherwise, Gunicorn looks for a WSGI callable named app."),
            (
                COND,
                "The project only needs to be on the Python path if you run the command from a different directory than manage.py.",
            ),
        ],
    ),
    (
        "run.rst#Paste Deployment",
        [
            "This approach is the quickest way to get started with Gunicorn, but there are some limitations. Gunicorn will have no control over how the application is loaded, so settings such as reload_ will have no effect and Gunicorn will be unable to hot upgrade a running application."
        ],
        [
            (
                P,
                "This approach is the quickest way to get started, but Gunicorn has no control over how the app is loaded, so settings such as reload don't do anything and hot upgrades of a running app aren't possible.",
            ),
            (S, "It's the quickest start, with limits: no say over how the app loads, no reload, no hot upgrade."),
            (
                NEG,
                "Gunicorn keeps control over how the application is loaded, so settings such as reload still take effect.",
            ),
            (
                SCOPE,
                "Gunicorn has no control over how the application is loaded, so none of its settings have any effect.",
            ),
        ],
    ),
    (
        "run.rst#Paste Deployment",
        [
            "To use the full power of Gunicorn's reloading and hot code upgrades, use the paste option to run your application instead. When used this way, Gunicorn will use the application defined by the PasteDeploy configuration file, but Gunicorn will not use any server configuration defined in the file.",
            "With both approaches, Gunicorn will use any loggers section found in Paste Deployment configuration file, unless instructed otherwise by specifying additional logging settings.",
        ],
        [
            (
                P,
                "With the paste option, Gunicorn uses the application defined in the PasteDeploy file but ignores any server configuration in it, and you get its full reloading and hot code upgrades.",
            ),
            (
                S,
                "Either way, Gunicorn picks up the loggers section of the Paste Deployment file unless you specify other logging settings.",
            ),
            (
                NEG,
                "With the paste option, Gunicorn also uses the server configuration defined in the PasteDeploy file.",
            ),
            (
                COND,
                "Gunicorn uses the loggers section of the Paste Deployment file only if you also specify additional logging settings.",
            ),
        ],
    ),
    (
        "configure.rst#Configuration Overview",
        [
            "Gunicorn reads configuration information from five places. Gunicorn first reads environment variables for some configuration settings. Gunicorn then reads configuration from a framework specific configuration file. Currently this only affects Paster applications. The third source of configuration information is an optional configuration file gunicorn.conf.py searched in the current working directory or specified using a command line argument. Anything specified in this configuration file will override any framework specific settings."
        ],
        [
            (
                P,
                "Gunicorn takes its configuration from five places. It reads environment variables first, then a framework-specific configuration file, which currently matters only for Paster applications.",
            ),
            (
                S,
                "The optional gunicorn.conf.py, found in the working directory or given on the command line, is the third source and overrides framework-specific settings.",
            ),
            (NUM, "Gunicorn reads configuration information from four places."),
            (SCOPE, "The framework-specific configuration file applies to every framework, not just Paster."),
            (COND, "Framework-specific settings override anything specified in gunicorn.conf.py."),
        ],
    ),
    (
        "configure.rst#Configuration Overview",
        [
            "The fourth place of configuration information are command line arguments stored in an environment variable named GUNICORN_CMD_ARGS. Lastly, the command line arguments used to invoke Gunicorn are the final place considered for configuration settings. If an option is specified on the command line, this is the value that will be used. When a configuration file is specified in the command line arguments and in the GUNICORN_CMD_ARGS environment variable, only the configuration file specified on the command line is used."
        ],
        [
            (
                P,
                "Arguments in the GUNICORN_CMD_ARGS environment variable come fourth, and the command line used to invoke Gunicorn comes last: an option given there is the value used.",
            ),
            (
                S,
                "If both the command line and GUNICORN_CMD_ARGS name a configuration file, only the one on the command line is used.",
            ),
            (
                NAME,
                "If a config file is given both on the command line and in GUNICORN_CMD_ARGS, the one in GUNICORN_CMD_ARGS is used.",
            ),
            (NUM, "GUNICORN_CMD_ARGS is the third place Gunicorn reads configuration from."),
            (
                NEG,
                "An option specified on the command line isn't necessarily the value used, since the configuration file can override it.",
            ),
        ],
    ),
    (
        "configure.rst#Command Line",
        [
            "If an option is specified on the command line, it overrides all other values that may have been specified in the app specific settings, or in the optional configuration file. Not all Gunicorn settings are available to be set from the command line. To see the full list of command line settings you can do the usual:: $ gunicorn -h There is also a --version flag available to the command line scripts that isn't mentioned in the list of settings."
        ],
        [
            (
                P,
                "A command-line option overrides every other value, whether from the app-specific settings or the config file. Not every setting can be set on the command line; gunicorn -h lists the ones that can.",
            ),
            (S, "There's also a --version flag, which the list of settings doesn't mention."),
            (SCOPE, "Every Gunicorn setting can be set from the command line."),
            (
                NAME,
                "There's also a --help-all flag available to the command line scripts that isn't mentioned in the list of settings.",
            ),
        ],
    ),
    (
        "configure.rst#Configuration File",
        [
            "It only needs to be readable from the file system. More specifically, it does not have to be on the module path (sys.path, PYTHONPATH). Any Python is valid. Just consider that this will be run every time you start Gunicorn (including when you signal Gunicorn to reload). To set a parameter, just assign to it. There's no special syntax."
        ],
        [
            (
                P,
                "The config file only has to be readable from the file system; it doesn't need to be on sys.path or PYTHONPATH.",
            ),
            (
                S,
                "Any Python is valid in it and a parameter is set by plain assignment, but keep in mind it runs every time Gunicorn starts, reloads included.",
            ),
            (NEG, "The configuration file has to be on the module path, such as sys.path or PYTHONPATH."),
            (COND, "The file is run when you start Gunicorn, but not when you signal Gunicorn to reload."),
        ],
    ),
    (
        "configure.rst#Configuration File",
        ['For instance:: import multiprocessing bind = "127.0.0.1:8000" workers = multiprocessing.cpu_count() * 2 + 1'],
        [
            (P, "The example config binds to 127.0.0.1:8000 and sets workers to multiprocessing.cpu_count() * 2 + 1."),
            (S, "The sample config file binds 127.0.0.1:8000 and runs two workers per CPU plus one."),
            (NUM, "The example config binds to 127.0.0.1:8080 and sets workers to twice the CPU count plus one."),
            (NAME, "In the example, workers is set to os.cpu_count() * 2 + 1."),
        ],
    ),
    (
        "configure.rst#Paster Applications",
        [
            "In your INI file, you can specify to use Gunicorn as the server like such: .. code-block:: ini [server:main] use = egg:gunicorn#main host = 192.168.0.1 port = 80 workers = 2 proc_name = brim Any parameters that Gunicorn knows about will automatically be inserted into the base configuration. Remember that these will be overridden by the config file and/or the command line."
        ],
        [
            (
                P,
                "In the INI file you set Gunicorn as the server under [server:main] with use = egg:gunicorn#main, and any parameter Gunicorn knows about is inserted into the base configuration automatically.",
            ),
            (
                S,
                "Parameters from the INI file form the base configuration, so the config file and the command line override them.",
            ),
            (NUM, "The INI example runs Gunicorn on port 8080 with 2 workers."),
            (NEG, "Parameters set in the INI file override the config file and the command line."),
        ],
    ),
    (
        "deploy.rst#Nginx Configuration",
        [
            "Although there are many HTTP proxies available, we strongly advise that you use Nginx_. If you choose another proxy server you need to make sure that it buffers slow clients when you use default Gunicorn workers. Without this buffering Gunicorn will be easily susceptible to denial-of-service attacks."
        ],
        [
            (
                P,
                "Nginx is the strongly advised proxy. If you pick another one, make sure it buffers slow clients when you run the default workers, or Gunicorn becomes an easy target for denial-of-service attacks.",
            ),
            (
                S,
                "Put Nginx, or another proxy that buffers slow clients, in front of the default Gunicorn workers to avoid denial-of-service attacks.",
            ),
            (COND, "Another proxy server only needs to buffer slow clients when you use async Gunicorn workers."),
            (NAME, "Of the many HTTP proxies available, we strongly advise that you use HAProxy."),
        ],
    ),
    (
        "deploy.rst#Nginx Configuration",
        [
            "If you want to be able to handle streaming request/responses or other fancy features like Comet, Long polling, or Web sockets, you need to turn off the proxy buffering. When you do this you must run with one of the async worker classes. To turn off buffering, you only need to add proxy_buffering off; to your location block::"
        ],
        [
            (
                P,
                "For streaming requests and responses, Comet, long polling or web sockets, turn proxy buffering off by adding proxy_buffering off to your location block, and run one of the async worker classes.",
            ),
            (
                S,
                "Streaming or web sockets need proxy buffering turned off, and then you must use an async worker class.",
            ),
            (NEG, "To handle web sockets or long polling you need to turn on proxy buffering."),
        ],
    ),
    (
        "deploy.rst#Nginx Configuration",
        [
            "If you want to ignore aborted requests like health check of Load Balancer, some of which close the connection without waiting for a response, you need to turn on ignoring client abort. To ignore aborted requests, you only need to add proxy_ignore_client_abort on; to your location block:: ... proxy_ignore_client_abort on; ... .. note:: The default value of proxy_ignore_client_abort is off. Error code 499 may appear in Nginx log and Ignoring EPIPE may appear in Gunicorn log if loglevel is set to debug."
        ],
        [
            (
                P,
                "To ignore aborted requests, such as load balancer health checks that close the connection without waiting for a response, add proxy_ignore_client_abort on to your location block.",
            ),
            (
                S,
                "proxy_ignore_client_abort is off by default; with it on, you may see error 499 in the Nginx log and, at the debug log level, Ignoring EPIPE in Gunicorn's.",
            ),
            (NUM, "Error code 502 may appear in the Nginx log when aborted requests are ignored."),
            (NEG, "The default value of proxy_ignore_client_abort is on."),
            (COND, "Ignoring EPIPE may appear in the Gunicorn log whatever the log level is set to."),
        ],
    ),
    (
        "deploy.rst#Nginx Configuration",
        [
            "If you are running Nginx on a different host than Gunicorn you need to tell Gunicorn to trust the X-Forwarded-* headers sent by Nginx. By default, Gunicorn will only trust these headers if the connection comes from localhost. This is to prevent a malicious client from forging these headers::"
        ],
        [
            (
                P,
                "When Nginx runs on another host than Gunicorn, you have to tell Gunicorn to trust the X-Forwarded-* headers Nginx sends.",
            ),
            (
                S,
                "By default Gunicorn trusts X-Forwarded-* headers only on connections from localhost, so a malicious client can't forge them.",
            ),
            (SCOPE, "By default, Gunicorn trusts the X-Forwarded-* headers on any connection."),
            (
                COND,
                "You only need to tell Gunicorn to trust the X-Forwarded-* headers when Nginx runs on the same host as Gunicorn.",
            ),
        ],
    ),
    (
        "deploy.rst#Nginx Configuration",
        [
            "Gunicorn 19 introduced a breaking change concerning how REMOTE_ADDR is handled. Previous to Gunicorn 19 this was set to the value of X-Forwarded-For if received from a trusted proxy. However, this was not in compliance with 3875 which is why the REMOTE_ADDR is now the IP address of the proxy and not the actual user."
        ],
        [
            (
                P,
                "Gunicorn 19 changed how REMOTE_ADDR works: it used to take the X-Forwarded-For value from a trusted proxy, but now it's the proxy's IP address rather than the real user's.",
            ),
            (
                S,
                "Since Gunicorn 19, REMOTE_ADDR is the proxy's IP address and not the actual user's; before, a trusted proxy's X-Forwarded-For was used.",
            ),
            (NUM, "Gunicorn 18 introduced a breaking change: REMOTE_ADDR is now the IP address of the proxy."),
            (
                NAME,
                "Before Gunicorn 19, REMOTE_ADDR was set to the value of X-Real-IP if it came from a trusted proxy.",
            ),
            (NEG, "Since Gunicorn 19, REMOTE_ADDR is the IP address of the actual user, not of the proxy."),
        ],
    ),
    (
        "deploy.rst#Monitoring",
        [
            "Make sure that when using either of these service monitors you do not enable the Gunicorn's daemon mode. These monitors expect that the process they launch will be the process they need to monitor. Daemonizing will fork-exec which creates an unmonitored process and generally just confuses the monitor services."
        ],
        [
            (
                P,
                "Don't turn on Gunicorn's daemon mode under a service monitor: the monitor expects the process it launches to be the one it has to watch.",
            ),
            (S, "Daemonizing fork-execs an unmonitored process and confuses the monitor, so leave daemon mode off."),
            (
                NEG,
                "When you use one of these service monitors, enable Gunicorn's daemon mode so the monitor can track it.",
            ),
        ],
    ),
    (
        "deploy.rst#Runit",
        [
            "Save this as /etc/sv/[app_name]/run, and make it executable (chmod u+x /etc/sv/[app_name]/run). Then run ln -s /etc/sv/[app_name] /etc/service/[app_name]. If runit is installed, Gunicorn should start running automatically as soon as you create the symlink. If it doesn't start automatically, run the script directly to troubleshoot."
        ],
        [
            (
                P,
                "Save the script as /etc/sv/[app_name]/run, make it executable, and symlink /etc/sv/[app_name] to /etc/service/[app_name]; with runit installed, Gunicorn starts as soon as the symlink exists.",
            ),
            (
                S,
                "If Gunicorn doesn't start automatically once the symlink is created, run the script directly to troubleshoot.",
            ),
            (COND, "With runit, Gunicorn starts automatically only after you reboot the machine."),
            (NAME, "Save the service script as /etc/init.d/[app_name]/run and make it executable."),
        ],
    ),
    (
        "deploy.rst#Systemd",
        [
            "systemd employs cgroups to track the processes of a service, so it doesn't need pid files. In the rare case that you need to find out the service main pid, you can use systemctl show --value -p MainPID gunicorn.service, but if you only want to send a signal an even better option is systemctl kill -s HUP gunicorn.service."
        ],
        [
            (
                P,
                "systemd tracks a service's processes with cgroups, so no pid file is needed; to send a signal, systemctl kill -s HUP gunicorn.service is the better option.",
            ),
            (
                S,
                "You rarely need the main pid under systemd, but systemctl show --value -p MainPID gunicorn.service gives it to you.",
            ),
            (NEG, "systemd needs pid files to track the processes of a service."),
            (NAME, "systemd tracks the processes of a service with inotify, so it doesn't need pid files."),
        ],
    ),
    (
        "deploy.rst#Systemd",
        [
            "The listen and server_name used here are configured for a local machine. In a production server you will most likely listen on port 80, and use your URL as the server_name.",
            "Now you should be able to test Nginx with Gunicorn by visiting http://127.0.0.1:8000/ in any web browser.",
        ],
        [
            (
                P,
                "The listen and server_name values in the example are for a local machine; in production you'd most likely listen on port 80 and use your URL as the server_name.",
            ),
            (
                S,
                "Test the setup by opening http://127.0.0.1:8000/ in a browser; in production, listen on port 80 with your URL as server_name.",
            ),
            (NUM, "In a production server you'll most likely listen on port 443 and use your URL as the server_name."),
            (
                SCOPE,
                "The listen and server_name values shown work as they are for a local machine and for any production server.",
            ),
        ],
    ),
    (
        "deploy.rst#Logging",
        [
            "Send the USR1 signal to rotate logs if you are using the logrotate utility:: kill -USR1 $(cat /var/run/gunicorn.pid) .. note:: Overriding the LOGGING dictionary requires to set disable_existing_loggers: False to not interfere with the Gunicorn logging. .. warning:: Gunicorn error log is here to log errors from Gunicorn, not from another application."
        ],
        [
            (
                P,
                "If you rotate logs with logrotate, send Gunicorn the USR1 signal, e.g. kill -USR1 $(cat /var/run/gunicorn.pid).",
            ),
            (
                S,
                "When overriding the LOGGING dictionary, set disable_existing_loggers to False so you don't interfere with Gunicorn's logging.",
            ),
            (NAME, "Send the HUP signal to rotate the logs when you use the logrotate utility."),
            (SCOPE, "Gunicorn's error log records errors from Gunicorn and from any other application."),
            (
                NEG,
                "When overriding the LOGGING dictionary, set disable_existing_loggers to True so you don't interfere with Gunicorn's logging.",
            ),
        ],
    ),
    (
        "settings.rst#timeout",
        [
            "Command line: -t INT or --timeout INT Default: 30 Workers silent for more than this many seconds are killed and restarted. Value is a positive number or 0. Setting it to 0 has the effect of infinite timeouts by disabling timeouts for all workers entirely. Generally, the default of thirty seconds should suffice."
        ],
        [
            (
                P,
                "Workers that stay silent for longer than the timeout, 30 seconds by default, are killed and restarted.",
            ),
            (
                S,
                "Setting timeout to 0 disables timeouts for all workers; the default of thirty seconds should generally be enough.",
            ),
            (UNIT, "Workers silent for more than 30 minutes by default are killed and restarted."),
            (NUM, "Generally, the default timeout of sixty seconds should suffice."),
            (SCOPE, "Setting the timeout to 0 disables timeouts for the sync workers only."),
        ],
    ),
    (
        "settings.rst#graceful_timeout",
        [
            "Command line: --graceful-timeout INT Default: 30 Timeout for graceful workers restart. After receiving a restart signal, workers have this much time to finish serving requests. Workers still alive after the timeout (starting from the receipt of the restart signal) are force killed."
        ],
        [
            (
                P,
                "After a restart signal, workers get the graceful timeout, 30 by default, to finish serving their requests; any still alive after that are force killed.",
            ),
            (S, "The graceful timeout is counted from the moment the restart signal is received."),
            (NUM, "--graceful-timeout defaults to 60."),
            (NEG, "Workers still alive after the graceful timeout are left running until they finish."),
            (COND, "The graceful timeout starts counting once the worker's last request has finished."),
        ],
    ),
    (
        "settings.rst#keepalive",
        [
            "Command line: --keep-alive INT Default: 2 The number of seconds to wait for requests on a Keep-Alive connection. Generally set in the 1-5 seconds range for servers with direct connection to the client (e.g. when you don't have separate load balancer). When Gunicorn is deployed behind a load balancer, it often makes sense to set this to a higher value. .. note:: sync worker does not support persistent connections and will ignore this option."
        ],
        [
            (P, "--keep-alive is how many seconds to wait for requests on a Keep-Alive connection, 2 by default."),
            (
                S,
                "Use 1-5 seconds when clients connect directly and a higher value behind a load balancer; the sync worker ignores this option.",
            ),
            (UNIT, "The keep-alive setting defaults to 2 minutes."),
            (NEG, "The sync worker supports persistent connections and honours this option."),
            (COND, "Set it in the 1-5 seconds range when Gunicorn is deployed behind a load balancer."),
        ],
    ),
    (
        "settings.rst#workers",
        [
            "Command line: -w INT or --workers INT Default: 1 The number of worker processes for handling requests. A positive integer generally in the 2-4 x $(NUM_CORES) range. You'll want to vary this a bit to find the best for your particular application's work load. By default, the value of the WEB_CONCURRENCY environment variable, which is set by some Platform-as-a-Service providers such as Heroku. If it is not defined, the default is 1."
        ],
        [
            (
                P,
                "workers defaults to the WEB_CONCURRENCY environment variable, which some PaaS providers such as Heroku set, and to 1 if that isn't defined.",
            ),
            (S, "Pick a worker count in the 2-4 x $(NUM_CORES) range and vary it a bit to suit your workload."),
            (NAME, "By default, workers takes the value of the GUNICORN_WORKERS environment variable."),
            (NUM, "If WEB_CONCURRENCY isn't defined, the default is 2 workers."),
        ],
    ),
    (
        "settings.rst#threads",
        [
            "Command line: --threads INT Default: 1 The number of worker threads for handling requests. Run each worker with the specified number of threads. A positive integer generally in the 2-4 x $(NUM_CORES) range. You'll want to vary this a bit to find the best for your particular application's work load. If it is not defined, the default is 1. This setting only affects the Gthread worker type. .. note:: If you try to use the sync worker type and set the threads setting to more than 1, the gthread worker type will be used instead."
        ],
        [
            (
                P,
                "--threads sets how many threads each worker runs, 1 by default, and it only affects the gthread worker type.",
            ),
            (S, "Setting threads above 1 with the sync worker type gets you the gthread worker instead."),
            (SCOPE, "The threads setting applies to every worker type."),
            (
                NAME,
                "If you use the sync worker and set threads to more than 1, the gevent worker type is used instead.",
            ),
        ],
    ),
    (
        "settings.rst#worker_connections",
        [
            "Command line: --worker-connections INT Default: 1000 The maximum number of simultaneous clients. This setting only affects the gthread, eventlet and gevent worker types."
        ],
        [
            (
                P,
                "worker_connections caps simultaneous clients at 1000 by default, and it only matters for the gthread, eventlet and gevent workers.",
            ),
            (
                S,
                "The maximum number of simultaneous clients, 1000 unless you change it, applies to the gthread, eventlet and gevent types.",
            ),
            (NUM, "--worker-connections defaults to 100 simultaneous clients."),
            (SCOPE, "worker_connections limits simultaneous clients for every worker type, sync included."),
        ],
    ),
    (
        "settings.rst#max_requests | settings.rst#max_requests_jitter",
        [
            "Command line: --max-requests INT Default: 0 The maximum number of requests a worker will process before restarting. Any value greater than zero will limit the number of requests a worker will process before automatically restarting. This is a simple method to help limit the damage of memory leaks. If this is set to zero (the default) then the automatic worker restarts are disabled.",
            "The jitter causes the restart per worker to be randomized by randint(0, max_requests_jitter). This is intended to stagger worker restarts to avoid all workers restarting at the same time.",
        ],
        [
            (
                P,
                "max_requests makes a worker restart automatically after that many requests, a simple way to limit the damage of memory leaks; at 0, the default, these restarts are off.",
            ),
            (
                S,
                "Add max_requests_jitter to randomise each worker's restart so they don't all restart at the same time.",
            ),
            (NUM, "max_requests defaults to 1000 requests per worker."),
            (NEG, "Setting max_requests to zero enables automatic worker restarts."),
        ],
    ),
    (
        "settings.rst#limit_request_line",
        [
            "Command line: --limit-request-line INT Default: 4094 The maximum size of HTTP request line in bytes. This parameter is used to limit the allowed size of a client's HTTP request-line. Since the request-line consists of the HTTP method, URI, and protocol version, this directive places a restriction on the length of a request-URI allowed for a request on the server.",
            "Value is a number from 0 (unlimited) to 8190. This parameter can be used to prevent any DDOS attack.",
        ],
        [
            (
                P,
                "limit_request_line caps the HTTP request line at 4094 bytes by default, and you can set it anywhere from 0, meaning unlimited, to 8190.",
            ),
            (
                S,
                "Since the request line holds the HTTP method, the URI and the protocol version, this limit restricts how long a request-URI can be.",
            ),
            (UNIT, "The maximum size of the HTTP request line defaults to 4094 kilobytes."),
            (NUM, "limit_request_line takes a value from 0 (unlimited) up to 4094."),
        ],
    ),
    (
        "settings.rst#limit_request_fields",
        [
            "Command line: --limit-request-fields INT Default: 100 Limit the number of HTTP headers fields in a request. This parameter is used to limit the number of headers in a request to prevent DDOS attack. Used with the limit_request_field_size it allows more safety. By default this value is 100 and can't be larger than 32768."
        ],
        [
            (
                P,
                "limit_request_fields caps how many HTTP header fields a request may have: 100 by default, and never more than 32768.",
            ),
            (S, "Combine limit_request_fields with limit_request_field_size for more safety against DDOS attacks."),
            (NUM, "limit_request_fields defaults to 100 and can't be larger than 65536."),
            (NAME, "Used together with limit_request_line, limit_request_fields allows more safety."),
        ],
    ),
    (
        "settings.rst#limit_request_field_size",
        [
            "Command line: --limit-request-field_size INT Default: 8190 Limit the allowed size of an HTTP request header field. Value is a positive number or 0. Setting it to 0 will allow unlimited header field sizes. .. warning:: Setting this parameter to a very high or unlimited value can open up for DDOS attacks."
        ],
        [
            (
                P,
                "limit_request_field_size limits the size of each HTTP request header field, 8190 by default; 0 allows unlimited sizes, which, like a very high value, can open you up to DDOS attacks.",
            ),
            (S, "Header field sizes are capped at 8190 unless you change it, and setting the limit to 0 removes it."),
            (NEG, "Setting limit_request_field_size to 0 rejects every header field."),
            (NUM, "The default limit on the size of a request header field is 4094."),
        ],
    ),
    (
        "settings.rst#preload_app",
        [
            "Command line: --preload Default: False Load application code before the worker processes are forked. By preloading an application you can save some RAM resources as well as speed up server boot times. Although, if you defer application loading to each worker process, you can reload your application code easily by restarting workers."
        ],
        [
            (
                P,
                "--preload loads the application code before the workers are forked, which saves some RAM and speeds up server boot times.",
            ),
            (
                S,
                "Preloading is off by default; leaving the loading to each worker lets you reload the code easily by restarting the workers.",
            ),
            (COND, "--preload loads the application code after the worker processes are forked."),
            (NEG, "Preloading the application uses more RAM and slows down server boot times."),
        ],
    ),
    (
        "settings.rst#daemon | settings.rst#pidfile",
        [
            "Command line: -D or --daemon Default: False Daemonize the Gunicorn process. Detaches the server from the controlling terminal and enters the background.",
            "Command line: -p FILE or --pid FILE Default: None A filename to use for the PID file. If not set, no PID file will be written.",
        ],
        [
            (
                P,
                "-D or --daemon daemonizes Gunicorn: it detaches from the controlling terminal and runs in the background. It's off by default.",
            ),
            (S, "--pid names the PID file; without it, no PID file is written."),
            (NAME, "-d or --daemon detaches the server from the controlling terminal and sends it to the background."),
            (NEG, "If --pid is not set, Gunicorn still writes a PID file, named after the process."),
        ],
    ),
    (
        "settings.rst#umask",
        [
            "Command line: -m INT or --umask INT Default: 0 A bit mask for the file mode on files written by Gunicorn. Note that this affects unix socket permissions."
        ],
        [
            (
                P,
                "--umask, 0 by default, is the bit mask for the file mode of files Gunicorn writes, and it affects unix socket permissions too.",
            ),
            (S, "The umask setting (-m) defaults to 0 and also governs unix socket permissions."),
            (NAME, "-u INT or --umask INT sets the bit mask for the file mode on files written by Gunicorn."),
            (NEG, "The umask setting doesn't affect unix socket permissions."),
        ],
    ),
    (
        "settings.rst#forwarded_allow_ips",
        [
            "Command line: --forwarded-allow-ips STRING Default: '127.0.0.1,::1' Front-end's IPs from which allowed to handle set secure headers. (comma separated). Set to * to disable checking of front-end IPs. This is useful for setups where you don't know in advance the IP address of front-end, but instead have ensured via other means that only your authorized front-ends can access Gunicorn."
        ],
        [
            (
                P,
                "--forwarded-allow-ips is a comma-separated list of the front-end IPs allowed to set secure headers, and it defaults to 127.0.0.1 and ::1.",
            ),
            (
                S,
                "Setting it to * turns off the front-end IP check, which helps when you can't know the front-end's address in advance but have made sure by other means that only your authorized front-ends reach Gunicorn.",
            ),
            (NUM, "--forwarded-allow-ips defaults to 10.0.0.1 and ::1."),
            (NEG, "Setting --forwarded-allow-ips to * enables strict checking of the front-end IPs."),
        ],
    ),
    (
        "settings.rst#bind",
        [
            "Multiple addresses can be bound. ex.:: $ gunicorn -b 127.0.0.1:8000 -b [::1]:8000 test:app will bind the test:app application on localhost both on ipv6 and ipv4 interfaces. If the PORT environment variable is defined, the default is ['0.0.0.0:$PORT']. If it is not defined, the default is ['127.0.0.1:8000']."
        ],
        [
            (
                P,
                "You can bind several addresses, e.g. -b 127.0.0.1:8000 -b [::1]:8000 to serve the app on localhost over both IPv4 and IPv6.",
            ),
            (
                S,
                "Without a PORT environment variable Gunicorn binds 127.0.0.1:8000 by default; with one, it binds 0.0.0.0 on that port.",
            ),
            (NUM, "If PORT isn't defined, Gunicorn binds to 127.0.0.1:5000 by default."),
            (COND, "Even if the PORT environment variable is defined, Gunicorn binds to 127.0.0.1:8000 by default."),
            (NEG, "Only one address can be bound at a time."),
        ],
    ),
    (
        "settings.rst#reload",
        [
            "Command line: --reload Default: False Restart workers when code changes. This setting is intended for development. It will cause workers to be restarted whenever application code changes. The reloader is incompatible with application preloading.",
            "The default behavior is to attempt inotify with a fallback to file system polling. Generally, inotify should be preferred if available because it consumes less system resources.",
        ],
        [
            (
                P,
                "--reload restarts the workers whenever the application code changes; it's meant for development and doesn't work together with preloading.",
            ),
            (
                S,
                "The reloader tries inotify first and falls back to file system polling; inotify is preferable when available since it uses fewer system resources.",
            ),
            (NEG, "The reloader works fine together with application preloading."),
            (COND, "The reloader first tries file system polling and falls back to inotify."),
            (NAME, "Generally, polling should be preferred if available because it consumes less system resources."),
        ],
    ),
    (
        "settings.rst#check_config",
        [
            "Command line: --check-config Default: False Check the configuration and exit. The exit status is 0 if the configuration is correct, and 1 if the configuration is incorrect."
        ],
        [
            (P, "--check-config checks the configuration and exits, with status 0 if it's correct and 1 if it isn't."),
            (S, "Use --check-config to validate your configuration: exit code 0 means it's correct."),
            (NUM, "--check-config exits with status 2 when the configuration is incorrect."),
            (NEG, "--check-config checks the configuration and then keeps the server running instead of exiting."),
        ],
    ),
    (
        "settings.rst#accesslog | settings.rst#errorlog",
        [
            "Command line: --access-logfile FILE Default: None The Access log file to write to. '-' means log to stdout.",
            "Command line: --error-logfile FILE or --log-file FILE Default: '-' The Error log file to write to. Using '-' for FILE makes gunicorn log to stderr.",
        ],
        [
            (P, "--access-logfile names the access log file, and '-' means logging to stdout."),
            (S, "The error log, set with --error-logfile or --log-file, defaults to '-', which means stderr."),
            (NAME, "Passing '-' to --access-logfile makes Gunicorn write the access log to stderr."),
            (NAME, "The error log file can be set with --error-logfile or its alias --log-level."),
        ],
    ),
    (
        "settings.rst#worker_class",
        [
            "A string referring to one of the following bundled classes: * sync * eventlet - Requires eventlet >= 0.24.1 (or install it via pip install gunicorn[eventlet]) * gevent - Requires gevent >= 1.4 (or install it via pip install gunicorn[gevent]) * tornado - Requires tornado >= 0.2 (or install it via pip install gunicorn[tornado])"
        ],
        [
            (
                P,
                "The bundled gevent worker requires gevent 1.4 or later, which you can install with pip install gunicorn[gevent].",
            ),
            (
                S,
                "The eventlet worker needs eventlet >= 0.24.1 and the tornado worker tornado >= 0.2; each can be installed as a gunicorn extra.",
            ),
            (NUM, "The eventlet worker requires eventlet 0.30.0 or newer."),
            (NAME, "You can install the gevent worker's requirements with pip install gunicorn[async]."),
        ],
    ),
]


if __name__ == "__main__":
    write_cases(GROUPS, set_name=SET, id_prefix="gu", split="test3", out=OUT)
