/* SPDX-License-Identifier: Apache-2.0 */
/* test_flags_main.c: the shared log flags (WSS_LOG_FLAGS rows, wss_log_flags_apply) and the exit
 * codes of wss_flags_main_parse.
 * Does not: check the --help text (test_flags does).
 * Threads: one; the log configuration is process-wide and reset after each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "wsscale/flags_main.h"
#include "wsscale/log.h"

#define ARGS_MAX 8

static struct wss_log_flags lf;

static const struct wss_flag table[] = {
    WSS_LOG_FLAGS(&lf, "warn"),
};

static const struct wss_flags spec = {"prog", "Test program.", table,
                                      sizeof(table) / sizeof(table[0])};

/* Parses a NULL-terminated argument list after the program name. */
static enum wss_flags_result parse(struct wss_flags_err *err, const char *const *args)
{
    char *argv[ARGS_MAX + 2] = {"prog"};
    int argc = 1;
    for (size_t i = 0; args[i] != NULL && i < ARGS_MAX; i++)
        argv[argc++] = (char *)args[i];
    return wss_flags_parse(&spec, argc, argv, err);
}

static int reset(void **state)
{
    (void)state;
    unsetenv("WSSCALE_LOG_LEVEL");
    unsetenv("WSSCALE_LOG_FORMAT");
    lf = (struct wss_log_flags){-1, -1};
    wss_log_set_fd(STDERR_FILENO);
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    return 0;
}

static void log_flags_take_the_programs_default_level_and_text_format(void **state)
{
    (void)state;
    struct wss_flags_err err;
    const char *none[] = {NULL};
    assert_int_equal(parse(&err, none), WSS_FLAGS_OK);
    assert_int_equal(lf.level, WSS_LOG_WARN);
    assert_int_equal(lf.format, WSS_LOG_FORMAT_TEXT);
}

static void log_flags_map_each_choice_to_its_enum_value(void **state)
{
    (void)state;
    static const struct {
        const char *level, *format;
        enum wss_log_level want_level;
        enum wss_log_format want_format;
    } cases[] = {
        {"debug", "json", WSS_LOG_DEBUG, WSS_LOG_FORMAT_JSON},
        {"info", "text", WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT},
        {"warn", "json", WSS_LOG_WARN, WSS_LOG_FORMAT_JSON},
        {"error", "text", WSS_LOG_ERROR, WSS_LOG_FORMAT_TEXT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_flags_err err;
        const char *args[] = {"--log-level", cases[i].level, "--log-format", cases[i].format, NULL};
        assert_int_equal(parse(&err, args), WSS_FLAGS_OK);
        assert_int_equal(lf.level, cases[i].want_level);
        assert_int_equal(lf.format, cases[i].want_format);
    }
}

static void log_flags_reject_unknown_names_with_the_choices(void **state)
{
    (void)state;
    static const struct {
        const char *flag, *value, *want;
    } cases[] = {
        {"--log-level", "verbose",
         "prog: invalid value \"verbose\" for --log-level (want one of: debug, info, warn, error)"},
        {"--log-level", "INFO",
         "prog: invalid value \"INFO\" for --log-level (want one of: debug, info, warn, error)"},
        {"--log-format", "logfmt",
         "prog: invalid value \"logfmt\" for --log-format (want one of: text, json)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_flags_err err;
        const char *args[] = {cases[i].flag, cases[i].value, NULL};
        assert_int_equal(parse(&err, args), WSS_FLAGS_ERROR);
        assert_string_equal(err.msg, cases[i].want);
    }
}

static void log_flags_read_the_environment(void **state)
{
    (void)state;
    struct wss_flags_err err;
    const char *none[] = {NULL};
    assert_int_equal(setenv("WSSCALE_LOG_LEVEL", "error", 1), 0);
    assert_int_equal(setenv("WSSCALE_LOG_FORMAT", "json", 1), 0);
    assert_int_equal(parse(&err, none), WSS_FLAGS_OK);
    assert_int_equal(lf.level, WSS_LOG_ERROR);
    assert_int_equal(lf.format, WSS_LOG_FORMAT_JSON);
}

static void apply_sets_the_minimum_level_and_the_format(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    wss_log_set_fd(fds[1]);
    wss_log_flags_apply(&(struct wss_log_flags){WSS_LOG_WARN, WSS_LOG_FORMAT_JSON});
    assert_false(wss_log_enabled(WSS_LOG_INFO));
    assert_true(wss_log_enabled(WSS_LOG_WARN));
    WSS_WARN("applied");
    char buf[512];
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_int_equal(buf[0], '{');
    assert_non_null(strstr(buf, "\"msg\":\"applied\""));
    wss_log_flags_apply(&(struct wss_log_flags){WSS_LOG_DEBUG, WSS_LOG_FORMAT_TEXT});
    assert_true(wss_log_enabled(WSS_LOG_DEBUG));
    wss_log_set_fd(STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
}

static void main_parse_says_continue_or_exit_2(void **state)
{
    (void)state;
    char *ok[] = {"prog", "--log-level", "info", NULL};
    char *bad[] = {"prog", "--log-level", "loud", NULL};
    char *unknown[] = {"prog", "--no-such-flag", NULL};
    assert_int_equal(wss_flags_main_parse(&spec, 3, ok), WSS_FLAGS_MAIN_CONTINUE);
    assert_int_equal(lf.level, WSS_LOG_INFO);
    assert_int_equal(wss_flags_main_parse(&spec, 3, bad), 2);
    assert_int_equal(wss_flags_main_parse(&spec, 2, unknown), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(log_flags_take_the_programs_default_level_and_text_format, reset),
        cmocka_unit_test_setup(log_flags_map_each_choice_to_its_enum_value, reset),
        cmocka_unit_test_setup(log_flags_reject_unknown_names_with_the_choices, reset),
        cmocka_unit_test_setup(log_flags_read_the_environment, reset),
        cmocka_unit_test_setup(apply_sets_the_minimum_level_and_the_format, reset),
        cmocka_unit_test_setup(main_parse_says_continue_or_exit_2, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
