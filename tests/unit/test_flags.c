/* SPDX-License-Identifier: Apache-2.0 */
/* test_flags.c: the flag table parser: sources and their precedence, every type, the error
 * lines main prints, and the generated --help and --version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/flags.h"
#include "wsscale/version.h"

/* The most arguments a test passes, argv[0] included. */
#define ARGS_MAX 16

struct opts {
    int64_t interval_ms;
    int64_t port;
    bool is_verbose;
    struct wss_hostport listen;
    int log_format;
    struct wss_flag_list adapters;
    const char *labels_file;
    const char *pod;
    int64_t timeout_ms;
    const char *name;
};

static struct opts o;

static const struct wss_flag table[] = {
    WSS_FLAG_DURATION("interval", &o.interval_ms, "1s",
                      "How often to sample the connection count."),
    WSS_FLAG_INT("secure-port", &o.port, "6443", 1, 65535, "Port to serve HTTPS on."),
    WSS_FLAG_BOOL("verbose", &o.is_verbose, "false", "Log every request."),
    WSS_FLAG_HOSTPORT("listen", &o.listen, ":9102", "Address for /metrics and /healthz."),
    WSS_FLAG_ENUM("log-format", &o.log_format, "text", WSS_CHOICES("text", "json"),
                  "Log line format."),
    WSS_FLAG_LIST("adapter", &o.adapters, "a1:6443,a2:6443",
                  "Adapter addresses to push reports to. The sidecar sends every report to each "
                  "of them, so that every adapter replica holds the full picture of the pods and "
                  "any replica can answer the HorizontalPodAutoscaler."),
    WSS_FLAG_PATH("labels-file", &o.labels_file, "/etc/podinfo/labels",
                  "Downward API labels file."),
    WSS_FLAG_STRING("pod-name", &o.pod, NULL, "Name of this pod.", .env = "POD_NAME"),
    WSS_FLAG_DURATION("timeout", &o.timeout_ms, "30s", "Push timeout.", .min = 100, .max = 3600000),
    WSS_FLAG_STRING("name", &o.name, "", "Free text."),
};

static const struct wss_flags spec = {
    .program = "wsscale-test",
    .summary = "wsscale-test exercises the flag parser. It has one flag of every type, and this "
               "summary is long enough that it must be wrapped onto a second line.",
    .flags = table,
    .nflags = sizeof(table) / sizeof(table[0]),
};

static const char *const env_vars[] = {
    "WSSCALE_INTERVAL",   "WSSCALE_SECURE_PORT", "WSSCALE_VERBOSE",     "WSSCALE_LISTEN",
    "WSSCALE_LOG_FORMAT", "WSSCALE_ADAPTER",     "WSSCALE_LABELS_FILE", "POD_NAME",
    "WSSCALE_TIMEOUT",    "WSSCALE_NAME",        "WSSCALE_POD_NAME",    "WSSCALE_TOKEN"};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
        unsetenv(env_vars[i]);
}

static int setup(void **state)
{
    (void)state;
    clear_env();
    memset(&o, 0, sizeof(o));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wss_flags_free(&spec);
    clear_env();
    return 0;
}

/* Parses spec with the given arguments (NULL-terminated, argv[0] added here). */
static enum wss_flags_result parse_with(const struct wss_flags *fs, struct wss_flags_err *err, ...)
{
    char *argv[ARGS_MAX + 1] = {"wsscale-test"};
    int argc = 1;
    va_list ap;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        assert_true(argc < ARGS_MAX);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    return wss_flags_parse(fs, argc, argv, err);
}

#define PARSE(err, ...) parse_with(&spec, (err), __VA_ARGS__, (const char *)NULL)

static void expect_error(struct wss_flags_err *err, enum wss_flags_result r, const char *want)
{
    assert_int_equal(r, WSS_FLAGS_ERROR);
    assert_string_equal(err->msg, want);
}

static void defaults_fill_every_destination(void **state)
{
    (void)state;
    struct wss_flags_err err;
    o.pod = "untouched";
    assert_int_equal(parse_with(&spec, &err, (const char *)NULL), WSS_FLAGS_OK);
    assert_string_equal(err.msg, "");
    assert_int_equal(o.interval_ms, 1000);
    assert_int_equal(o.port, 6443);
    assert_false(o.is_verbose);
    assert_int_equal(o.listen.kind, WSS_HOST_ANY);
    assert_int_equal(o.listen.port, 9102);
    assert_int_equal(o.log_format, 0);
    assert_int_equal(o.adapters.n, 2);
    assert_string_equal(o.adapters.items[0], "a1:6443");
    assert_string_equal(o.adapters.items[1], "a2:6443");
    assert_string_equal(o.labels_file, "/etc/podinfo/labels");
    assert_string_equal(o.pod, "untouched"); /* no default: left alone */
    assert_int_equal(o.timeout_ms, 30000);
    assert_string_equal(o.name, "");
}

static void command_line_beats_environment_beats_default(void **state)
{
    (void)state;
    struct wss_flags_err err;
    setenv("WSSCALE_INTERVAL", "5s", 1);
    setenv("WSSCALE_SECURE_PORT", "7000", 1);
    setenv("WSSCALE_LOG_FORMAT", "json", 1);
    assert_int_equal(PARSE(&err, "--secure-port=8443"), WSS_FLAGS_OK);
    assert_int_equal(o.interval_ms, 5000); /* environment over default */
    assert_int_equal(o.port, 8443);        /* command line over environment */
    assert_int_equal(o.log_format, 1);
    assert_int_equal(PARSE(&err, "--interval", "250ms", "--log-format", "text"), WSS_FLAGS_OK);
    assert_int_equal(o.interval_ms, 250);
    assert_int_equal(o.port, 7000);
    assert_int_equal(o.log_format, 0);
}

static void env_twin_is_upper_case_with_underscores_or_the_override(void **state)
{
    (void)state;
    struct wss_flags_err err;
    setenv("WSSCALE_LABELS_FILE", "/tmp/labels", 1);
    setenv("POD_NAME", "chat-0", 1);
    setenv("WSSCALE_POD_NAME", "ignored", 1);
    assert_int_equal(PARSE(&err, "--verbose"), WSS_FLAGS_OK);
    assert_string_equal(o.labels_file, "/tmp/labels");
    assert_string_equal(o.pod, "chat-0");
}

static void empty_environment_variable_counts_as_unset(void **state)
{
    (void)state;
    struct wss_flags_err err;
    setenv("WSSCALE_INTERVAL", "", 1);
    setenv("WSSCALE_LABELS_FILE", "", 1);
    assert_int_equal(PARSE(&err, "--verbose"), WSS_FLAGS_OK);
    assert_int_equal(o.interval_ms, 1000);
    assert_string_equal(o.labels_file, "/etc/podinfo/labels");
}

static void flag_given_twice_keeps_the_last_value(void **state)
{
    (void)state;
    struct wss_flags_err err;
    assert_int_equal(PARSE(&err, "--interval=1s", "--interval", "2m", "--listen=127.0.0.1:1",
                           "--listen", "[::1]:2"),
                     WSS_FLAGS_OK);
    assert_int_equal(o.interval_ms, 120000);
    assert_int_equal(o.listen.kind, WSS_HOST_IPV6);
    assert_int_equal(o.listen.port, 2);
    assert_memory_equal(o.listen.host, "::1", 3);
}

static void booleans_take_no_value_or_an_attached_one(void **state)
{
    (void)state;
    struct wss_flags_err err;
    assert_int_equal(PARSE(&err, "--verbose"), WSS_FLAGS_OK);
    assert_true(o.is_verbose);
    assert_int_equal(PARSE(&err, "--verbose", "--verbose=false"), WSS_FLAGS_OK);
    assert_false(o.is_verbose);
    assert_int_equal(PARSE(&err, "--verbose=TRUE"), WSS_FLAGS_OK);
    assert_true(o.is_verbose);
    setenv("WSSCALE_VERBOSE", "1", 1);
    assert_int_equal(PARSE(&err, "--name=x"), WSS_FLAGS_OK);
    assert_true(o.is_verbose);
    setenv("WSSCALE_VERBOSE", "0", 1);
    assert_int_equal(PARSE(&err, "--name=x"), WSS_FLAGS_OK);
    assert_false(o.is_verbose);
    expect_error(&err, PARSE(&err, "--verbose", "false"),
                 "wsscale-test: unexpected argument \"false\" (give a boolean its value as "
                 "--verbose=false)");
    expect_error(&err, PARSE(&err, "--verbose=yes"),
                 "wsscale-test: invalid value \"yes\" for --verbose (want true or false)");
}

static void list_flags_collect_repeats_and_commas(void **state)
{
    (void)state;
    struct wss_flags_err err;
    assert_int_equal(PARSE(&err, "--adapter=x:1, y:2", "--adapter", "z:3"), WSS_FLAGS_OK);
    assert_int_equal(o.adapters.n, 3); /* the default is replaced, not extended */
    assert_string_equal(o.adapters.items[0], "x:1");
    assert_string_equal(o.adapters.items[1], "y:2");
    assert_string_equal(o.adapters.items[2], "z:3");

    setenv("WSSCALE_ADAPTER", "e1:1,e2:2", 1);
    assert_int_equal(PARSE(&err, "--verbose"), WSS_FLAGS_OK);
    assert_int_equal(o.adapters.n, 2);
    assert_string_equal(o.adapters.items[0], "e1:1");
    assert_string_equal(o.adapters.items[1], "e2:2");
    assert_int_equal(PARSE(&err, "--adapter=c:1"), WSS_FLAGS_OK); /* cli replaces env */
    assert_int_equal(o.adapters.n, 1);
    assert_string_equal(o.adapters.items[0], "c:1");

    assert_int_equal(PARSE(&err, "--adapter="), WSS_FLAGS_OK); /* empties the list */
    assert_int_equal(o.adapters.n, 0);
    expect_error(&err, PARSE(&err, "--adapter=a,,b"),
                 "wsscale-test: invalid value \"a,,b\" for --adapter: empty item in the list "
                 "(want a comma-separated list)");
    setenv("WSSCALE_ADAPTER", "a,", 1);
    expect_error(&err, PARSE(&err, "--verbose"),
                 "wsscale-test: invalid value \"a,\" in WSSCALE_ADAPTER for --adapter: empty item "
                 "in the list (want a comma-separated list)");
}

struct bad_value {
    const char *arg;
    const char *msg;
};

static void invalid_values_name_the_flag_and_what_it_wants(void **state)
{
    (void)state;
    static const struct bad_value cases[] = {
        {"--interval=fast",
         "invalid value \"fast\" for --interval (want a duration such as 500ms, 1s or 2m)"},
        {"--interval=",
         "invalid value \"\" for --interval (want a duration such as 500ms, 1s or 2m)"},
        {"--interval=5", "invalid value \"5\" for --interval: missing unit after \"5\" (want a "
                         "duration such as 500ms, 1s or 2m)"},
        {"--interval=-1s", "invalid value \"-1s\" for --interval: negative durations are not "
                           "allowed (want a duration such as 500ms, 1s or 2m)"},
        {"--interval=1.5us", "invalid value \"1.5us\" for --interval: not a whole number of "
                             "milliseconds (want a duration such as 500ms, 1s or 2m)"},
        {"--timeout=50ms",
         "invalid value \"50ms\" for --timeout (want a duration from 100ms to 1h)"},
        {"--timeout=2h", "invalid value \"2h\" for --timeout (want a duration from 100ms to 1h)"},
        {"--secure-port=0",
         "invalid value \"0\" for --secure-port (want an integer from 1 to 65535)"},
        {"--secure-port=65536",
         "invalid value \"65536\" for --secure-port (want an integer from 1 to 65535)"},
        {"--secure-port=99999999999999999999",
         "invalid value \"99999999999999999999\" for --secure-port (want an integer from 1 to "
         "65535)"},
        {"--secure-port=8o",
         "invalid value \"8o\" for --secure-port (want an integer from 1 to 65535)"},
        {"--secure-port=a\"b\n",
         "invalid value \"a\\\"b\\x0a\" for --secure-port (want an integer from 1 to 65535)"},
        {"--log-format=xml", "invalid value \"xml\" for --log-format (want one of: text, json)"},
        {"--log-format=JSON", "invalid value \"JSON\" for --log-format (want one of: text, json)"},
        {"--listen=localhost",
         "invalid value \"localhost\" for --listen: missing ':port' (want host:port such as "
         "0.0.0.0:8080, :9102 or [::1]:6443)"},
        {"--listen=::1:80", "invalid value \"::1:80\" for --listen: IPv6 addresses need "
                            "brackets, as in [::1]:6443 (want host:port such as 0.0.0.0:8080, "
                            ":9102 or [::1]:6443)"},
        {"--labels-file=", "invalid value \"\" for --labels-file (want a non-empty path)"},
        {"--secure-port="
         "1234567890123456789012345678901234567890123456789012345678901234567890",
         "invalid value \"1234567890123456789012345678901234567890123456789012345678901234...\" "
         "for --secure-port (want an integer from 1 to 65535)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_flags_err err;
        char want[WSS_FLAGS_ERR_LEN];
        snprintf(want, sizeof(want), "wsscale-test: %s", cases[i].msg);
        enum wss_flags_result r = PARSE(&err, cases[i].arg);
        if (r != WSS_FLAGS_ERROR || strcmp(err.msg, want) != 0)
            fail_msg("%s: result %d\n got: %s\nwant: %s", cases[i].arg, r, err.msg, want);
        wss_flags_free(&spec);
    }
}

static void invalid_environment_value_names_the_variable(void **state)
{
    (void)state;
    struct wss_flags_err err;
    setenv("WSSCALE_INTERVAL", "x", 1);
    expect_error(&err, PARSE(&err, "--verbose"),
                 "wsscale-test: invalid value \"x\" in WSSCALE_INTERVAL for --interval (want a "
                 "duration such as 500ms, 1s or 2m)");
    /* a command-line value overrides the bad variable, so it is never read */
    assert_int_equal(PARSE(&err, "--interval=2s"), WSS_FLAGS_OK);
    assert_int_equal(o.interval_ms, 2000);
    unsetenv("WSSCALE_INTERVAL");
    setenv("POD_NAME", "x", 1);
    setenv("WSSCALE_LOG_FORMAT", "yaml", 1);
    expect_error(&err, PARSE(&err, "--verbose"),
                 "wsscale-test: invalid value \"yaml\" in WSSCALE_LOG_FORMAT for --log-format "
                 "(want one of: text, json)");
}

static void unknown_flag_suggests_the_closest_known_one(void **state)
{
    (void)state;
    static const struct bad_value cases[] = {
        {"--intervl=1s", "unknown flag --intervl (did you mean --interval?)"},
        {"--inetrval", "unknown flag --inetrval (did you mean --interval?)"},
        {"--Interval", "unknown flag --Interval (did you mean --interval?)"},
        {"--secure_port=1", "unknown flag --secure_port (did you mean --secure-port?)"},
        {"--secure", "unknown flag --secure (did you mean --secure-port?)"},
        {"--lsten", "unknown flag --lsten (did you mean --listen?)"},
        {"--helpp", "unknown flag --helpp (did you mean --help?)"},
        {"--zzz", "unknown flag --zzz (see --help)"},
        {"--", NULL}, /* placeholder, replaced below */
        {"--=x", "unknown flag -- (see --help)"},
        {"-interval", "unknown flag -interval (did you mean --interval?)"},
        {"-x", "unknown flag -x (flags start with \"--\"; see --help)"},
        {"--bad\x01name", "unknown flag --bad\\x01name (see --help)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].msg == NULL)
            continue;
        struct wss_flags_err err;
        char want[WSS_FLAGS_ERR_LEN];
        snprintf(want, sizeof(want), "wsscale-test: %s", cases[i].msg);
        enum wss_flags_result r = PARSE(&err, cases[i].arg);
        if (r != WSS_FLAGS_ERROR || strcmp(err.msg, want) != 0)
            fail_msg("%s: result %d\n got: %s\nwant: %s", cases[i].arg, r, err.msg, want);
    }
}

static void missing_value_says_what_the_flag_wants(void **state)
{
    (void)state;
    struct wss_flags_err err;
    expect_error(&err, PARSE(&err, "--interval"),
                 "wsscale-test: missing value for --interval (want a duration such as 500ms, 1s "
                 "or 2m)");
    expect_error(&err, PARSE(&err, "--log-format", "--verbose"),
                 "wsscale-test: missing value for --log-format (want one of: text, json)");
    /* a value that starts with "--" must be attached */
    assert_int_equal(PARSE(&err, "--name=--odd"), WSS_FLAGS_OK);
    assert_string_equal(o.name, "--odd");
    assert_int_equal(PARSE(&err, "--name", "-"), WSS_FLAGS_OK);
    assert_string_equal(o.name, "-");
}

static void positional_arguments_are_rejected(void **state)
{
    (void)state;
    struct wss_flags_err err;
    expect_error(&err, PARSE(&err, "--verbose", "serve"),
                 "wsscale-test: unexpected argument \"serve\" (this program takes only --flags)");
    expect_error(&err, PARSE(&err, "--", "--verbose"),
                 "wsscale-test: unexpected argument \"--verbose\" (this program takes only "
                 "--flags)");
    expect_error(&err, PARSE(&err, "-"),
                 "wsscale-test: unexpected argument \"-\" (this program takes only --flags)");
    assert_int_equal(PARSE(&err, "--verbose", "--"), WSS_FLAGS_OK);
}

static void help_and_version_are_results_and_win_over_errors(void **state)
{
    (void)state;
    struct wss_flags_err err;
    assert_int_equal(PARSE(&err, "--help"), WSS_FLAGS_HELP);
    assert_int_equal(PARSE(&err, "-h"), WSS_FLAGS_HELP);
    assert_int_equal(PARSE(&err, "--version"), WSS_FLAGS_VERSION);
    assert_int_equal(PARSE(&err, "--intervl=1s", "stray", "--help"), WSS_FLAGS_HELP);
    assert_int_equal(PARSE(&err, "--interval=bad", "--version"), WSS_FLAGS_VERSION);
    expect_error(&err, PARSE(&err, "--help=yes"), "wsscale-test: --help takes no value");
    /* taken as a value when a flag asks for one */
    assert_int_equal(PARSE(&err, "--name", "-h"), WSS_FLAGS_OK);
    assert_string_equal(o.name, "-h");
}

static void required_flag_must_come_from_command_line_or_environment(void **state)
{
    (void)state;
    static const char *token;
    static const struct wss_flag required[] = {
        WSS_FLAG_STRING("token", &token, NULL, "Bearer token.", .is_required = true),
    };
    static const struct wss_flags fs = {.program = "wsscale-test", .flags = required, .nflags = 1};
    struct wss_flags_err err;
    expect_error(&err, parse_with(&fs, &err, (const char *)NULL),
                 "wsscale-test: missing required flag --token (or environment variable "
                 "WSSCALE_TOKEN)");
    assert_int_equal(parse_with(&fs, &err, "--token=", (const char *)NULL), WSS_FLAGS_OK);
    assert_string_equal(token, "");
    setenv("WSSCALE_TOKEN", "abc", 1);
    assert_int_equal(parse_with(&fs, &err, (const char *)NULL), WSS_FLAGS_OK);
    assert_string_equal(token, "abc");
}

struct bad_table {
    struct wss_flag flag;
    const char *msg;
};

static void bad_tables_are_reported_not_crashed_on(void **state)
{
    (void)state;
    static int64_t i64;
    static int idx;
    static const char *s;
    /* not static: WSS_CHOICES in a function is an automatic compound literal */
    const struct bad_table cases[] = {
        {WSS_FLAG_STRING("Bad_Name", &s, NULL, "x"),
         "bad flag table: \"Bad_Name\" is not a flag name ([a-z0-9-], 1-64)"},
        {WSS_FLAG_STRING("", &s, NULL, "x"),
         "bad flag table: \"\" is not a flag name ([a-z0-9-], 1-64)"},
        {WSS_FLAG_STRING("--x", &s, NULL, "x"),
         "bad flag table: \"--x\" is not a flag name ([a-z0-9-], 1-64)"},
        {WSS_FLAG_BOOL("help", NULL, NULL, "x"), "bad flag table: --help is built in"},
        {WSS_FLAG_INT("n", NULL, NULL, 0, 1, "x"),
         "bad flag table: --n needs a type and a destination"},
        {{.name = "t", .dest.str = &s}, "bad flag table: --t needs a type and a destination"},
        {WSS_FLAG_ENUM("e", &idx, NULL, NULL, "x"), "bad flag table: --e needs choices"},
        {WSS_FLAG_INT("r", &i64, "1", 0, 1, "x", .is_required = true),
         "bad flag table: --r is required but has a default"},
        {WSS_FLAG_INT("d", &i64, "7", 0, 1, "x"),
         "invalid default \"7\" for --d (want an integer from 0 to 1)"},
        {WSS_FLAG_ENUM("c", &idx, "c", WSS_CHOICES("a", "b"), "x"),
         "invalid default \"c\" for --c (want one of: a, b)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_flags fs = {.program = "p", .flags = &cases[i].flag, .nflags = 1};
        struct wss_flags_err err;
        char want[WSS_FLAGS_ERR_LEN];
        snprintf(want, sizeof(want), "p: %s", cases[i].msg);
        enum wss_flags_result r = parse_with(&fs, &err, (const char *)NULL);
        if (r != WSS_FLAGS_ERROR || strcmp(err.msg, want) != 0)
            fail_msg("case %zu: result %d\n got: %s\nwant: %s", i, r, err.msg, want);
    }
    const struct wss_flag twice[] = {
        WSS_FLAG_STRING("x", &s, NULL, "x"),
        WSS_FLAG_INT("x", &i64, NULL, 0, 1, "x"),
    };
    struct wss_flags fs = {.program = "p", .flags = twice, .nflags = 2};
    struct wss_flags_err err;
    expect_error(&err, parse_with(&fs, &err, (const char *)NULL),
                 "p: bad flag table: --x is declared twice");
}

static void int_bounds_reach_the_int64_limits(void **state)
{
    (void)state;
    static int64_t v;
    static const struct wss_flag ints[] = {
        WSS_FLAG_INT("n", &v, "0", INT64_MIN, INT64_MAX, "Any integer."),
    };
    static const struct wss_flags fs = {.program = "p", .flags = ints, .nflags = 1};
    struct wss_flags_err err;
    assert_int_equal(parse_with(&fs, &err, "--n=-9223372036854775808", (const char *)NULL),
                     WSS_FLAGS_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(parse_with(&fs, &err, "--n", "9223372036854775807", (const char *)NULL),
                     WSS_FLAGS_OK);
    assert_true(v == INT64_MAX);
    expect_error(&err, parse_with(&fs, &err, "--n=9223372036854775808", (const char *)NULL),
                 "p: invalid value \"9223372036854775808\" for --n (want an integer)");
    expect_error(&err, parse_with(&fs, &err, "--n=-", (const char *)NULL),
                 "p: invalid value \"-\" for --n (want an integer)");
    expect_error(&err, parse_with(&fs, &err, "--n=+1", (const char *)NULL),
                 "p: invalid value \"+1\" for --n (want an integer)");
}

/* The line of help text that starts with the given flag's entry, and the lines under it. */
static const char *entry(const char *help, const char *head)
{
    const char *p = strstr(help, head);
    if (p == NULL)
        fail_msg("help has no \"%s\"", head);
    return p;
}

static void help_lists_every_flag_with_type_default_and_env_twin(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_flags_help(&spec, &b), 0);
    const char *h = b.data;
    assert_non_null(strstr(h, "Usage: wsscale-test [flags]\n\nwsscale-test exercises the flag "
                              "parser."));
    static const char *const expected[] = {
        "  --interval duration\n      How often to sample the connection count.\n"
        "      (default 1s; env WSSCALE_INTERVAL)\n",
        "  --secure-port int\n      Port to serve HTTPS on.\n"
        "      (default 6443; an integer from 1 to 65535; env WSSCALE_SECURE_PORT)\n",
        "  --verbose\n      Log every request.\n      (default false; env WSSCALE_VERBOSE)\n",
        "  --listen host:port\n      Address for /metrics and /healthz.\n"
        "      (default :9102; env WSSCALE_LISTEN)\n",
        "  --log-format text|json\n      Log line format.\n"
        "      (default text; env WSSCALE_LOG_FORMAT)\n",
        "  --adapter list\n",
        /* the facts line wraps like the help */
        "      (default a1:6443,a2:6443; repeatable, comma-separated; env\n"
        "      WSSCALE_ADAPTER)\n",
        "  --labels-file path\n      Downward API labels file.\n"
        "      (default /etc/podinfo/labels; env WSSCALE_LABELS_FILE)\n",
        "  --pod-name string\n      Name of this pod.\n      (env POD_NAME)\n",
        "  --timeout duration\n      Push timeout.\n"
        "      (default 30s; a duration from 100ms to 1h; env WSSCALE_TIMEOUT)\n",
        "  --name string\n      Free text.\n      (env WSSCALE_NAME)\n",
        "  -h, --help\n      Show this help and exit.\n",
        "  --version\n      Print the program name and version, then exit.\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        entry(h, expected[i]);
    /* flags appear in table order */
    assert_true(entry(h, "  --interval ") < entry(h, "  --secure-port "));
    assert_true(entry(h, "  --secure-port ") < entry(h, "  --name "));

    /* every line fits in 80 columns, and long help is wrapped and indented */
    size_t lines = 0;
    for (const char *line = h; *line != '\0'; lines++) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 80);
        line = nl + 1;
    }
    assert_true(lines > 30);
    const char *adapter = entry(h, "  --adapter list\n      Adapter addresses to push");
    const char *second = strchr(adapter + strlen("  --adapter list\n"), '\n') + 1;
    assert_memory_equal(second, "      ", 6);
    assert_true(second[6] != ' ');
    wss_strbuf_free(&b);
}

static void version_prints_program_and_version(void **state)
{
    (void)state;
    struct wss_strbuf b = {0};
    assert_int_equal(wss_flags_version(&spec, &b), 0);
    assert_string_equal(b.data, "wsscale-test " WSS_VERSION "\n");
    assert_true(strlen(WSS_VERSION) >= 5); /* "0.1.0" or later */
    wss_strbuf_free(&b);
}

static void help_fails_when_the_buffer_cap_is_hit(void **state)
{
    (void)state;
    struct wss_strbuf b;
    wss_strbuf_init(&b, 100);
    assert_int_equal(wss_flags_help(&spec, &b), -1);
    wss_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_fill_every_destination, setup, teardown),
        cmocka_unit_test_setup_teardown(command_line_beats_environment_beats_default, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(env_twin_is_upper_case_with_underscores_or_the_override,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(empty_environment_variable_counts_as_unset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(flag_given_twice_keeps_the_last_value, setup, teardown),
        cmocka_unit_test_setup_teardown(booleans_take_no_value_or_an_attached_one, setup, teardown),
        cmocka_unit_test_setup_teardown(list_flags_collect_repeats_and_commas, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_values_name_the_flag_and_what_it_wants, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invalid_environment_value_names_the_variable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_flag_suggests_the_closest_known_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_value_says_what_the_flag_wants, setup, teardown),
        cmocka_unit_test_setup_teardown(positional_arguments_are_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(help_and_version_are_results_and_win_over_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(required_flag_must_come_from_command_line_or_environment,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(bad_tables_are_reported_not_crashed_on, setup, teardown),
        cmocka_unit_test_setup_teardown(int_bounds_reach_the_int64_limits, setup, teardown),
        cmocka_unit_test(help_lists_every_flag_with_type_default_and_env_twin),
        cmocka_unit_test(version_prints_program_and_version),
        cmocka_unit_test(help_fails_when_the_buffer_cap_is_hit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
