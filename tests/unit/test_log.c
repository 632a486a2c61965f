/* SPDX-License-Identifier: Apache-2.0 */
/* test_log.c: log lines in both formats, levels, escaping and the line-length cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "wsscale/log.h"

static int pipe_fds[2];

static int open_pipe(void **state)
{
    (void)state;
    if (pipe(pipe_fds) != 0)
        return -1;
    wss_log_set_fd(pipe_fds[1]);
    return 0;
}

static int close_pipe(void **state)
{
    (void)state;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    wss_log_set_fd(STDERR_FILENO);
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    return 0;
}

/* Reads what the logger wrote so far (one line per test; the pipe buffer holds it). */
static size_t drain(char *buf, size_t cap)
{
    ssize_t n = read(pipe_fds[0], buf, cap - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    return (size_t)n;
}

static void text_line_has_klog_header_message_and_pairs(void **state)
{
    (void)state;
    char buf[512];
    wss_log_configure(WSS_LOG_DEBUG, WSS_LOG_FORMAT_TEXT);
    WSS_INFO("pod expired", WSS_KV_STR("pod", "chat-1"), WSS_KV_INT("count", -3),
             WSS_KV_BOOL("final", true));
    size_t n = drain(buf, sizeof(buf));
    assert_int_equal(buf[0], 'I');
    assert_non_null(strstr(buf, " test_log.c:"));
    assert_non_null(strstr(buf, "] \"pod expired\" pod=\"chat-1\" count=-3 final=true\n"));
    assert_int_equal(buf[n - 1], '\n');
    assert_null(strchr(buf, '\n') + 1 < buf + n ? strchr(strchr(buf, '\n') + 1, '\n') : NULL);
}

static void message_without_pairs_is_valid(void **state)
{
    (void)state;
    char buf[256];
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    WSS_WARN("started");
    drain(buf, sizeof(buf));
    assert_int_equal(buf[0], 'W');
    assert_non_null(strstr(buf, "] \"started\"\n"));
}

static void json_line_parses_and_escapes_control_bytes(void **state)
{
    (void)state;
    char buf[512];
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_JSON);
    WSS_ERROR("bad \"report\"", WSS_KV_STR("reason", "line1\nline2\x01"),
              WSS_KV_UINT("seq", 18446744073709551615ULL), WSS_KV_DOUBLE("ratio", 0.5),
              WSS_KV_STR("missing", NULL));
    drain(buf, sizeof(buf));
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "level")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(doc, "msg")->valuestring, "bad \"report\"");
    assert_string_equal(cJSON_GetObjectItem(doc, "reason")->valuestring, "line1\nline2\x01");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(doc, "ratio")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "missing")));
    assert_non_null(strstr(buf, "\"seq\":18446744073709551615"));
    const char *ts = cJSON_GetObjectItem(doc, "ts")->valuestring;
    assert_int_equal(strlen(ts), strlen("2026-11-27T18:56:57.123456Z"));
    assert_int_equal(ts[strlen(ts) - 1], 'Z');
    cJSON_Delete(doc);
}

static void lines_below_min_level_are_dropped(void **state)
{
    (void)state;
    char buf[256];
    wss_log_configure(WSS_LOG_WARN, WSS_LOG_FORMAT_TEXT);
    assert_false(wss_log_enabled(WSS_LOG_INFO));
    WSS_INFO("hidden");
    WSS_DEBUG("hidden too");
    WSS_ERROR("shown");
    drain(buf, sizeof(buf));
    assert_null(strstr(buf, "hidden"));
    assert_non_null(strstr(buf, "shown"));
}

static void overlong_value_is_cut_to_one_line(void **state)
{
    (void)state;
    static char big[20000];
    static char buf[32768];
    memset(big, 'a', sizeof(big) - 1);
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    WSS_INFO("big", WSS_KV_STR("v", big));
    size_t n = drain(buf, sizeof(buf));
    assert_true(n <= 8192);
    assert_int_equal(buf[n - 1], '\n');
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

/* A cut JSON line is still one JSON object: the long string is cut at a character boundary and
 * closed, the pairs after it are left out, and "truncated":true says so. */
static void overlong_json_line_stays_json_and_says_it_was_cut(void **state)
{
    (void)state;
    static char big[20000];
    static char buf[32768];
    /* "é" is two bytes: a cut inside it would leave invalid UTF-8 */
    for (size_t i = 0; i + 2 < sizeof(big); i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_JSON);
    WSS_INFO("big", WSS_KV_INT("before", 7), WSS_KV_STR("v", big), WSS_KV_INT("after", 8));
    size_t n = drain(buf, sizeof(buf));
    assert_true(n <= 8192);
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "truncated")));
    assert_int_equal(cJSON_GetObjectItem(doc, "before")->valueint, 7);
    assert_null(cJSON_GetObjectItem(doc, "after"));
    const char *v = cJSON_GetObjectItem(doc, "v")->valuestring;
    assert_true(strlen(v) > 4096);
    assert_int_equal(strlen(v) % 2, 0);
    assert_int_equal(strncmp(v, big, strlen(v)), 0);
    cJSON_Delete(doc);

    /* a message too long for the line is cut the same way */
    WSS_INFO(big);
    n = drain(buf, sizeof(buf));
    doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "truncated")));
    assert_int_equal(strncmp(cJSON_GetObjectItem(doc, "msg")->valuestring, big, 100), 0);
    cJSON_Delete(doc);

    /* a line that fits carries no marker */
    WSS_INFO("small", WSS_KV_STR("v", "x"));
    drain(buf, sizeof(buf));
    assert_null(strstr(buf, "truncated"));
}

/* A cut text line ends its quoted value and then says it was cut. */
static void overlong_text_line_says_it_was_cut(void **state)
{
    (void)state;
    static char big[20000];
    static char buf[32768];
    memset(big, 'a', sizeof(big) - 1);
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    WSS_INFO("big", WSS_KV_STR("v", big), WSS_KV_INT("after", 8));
    size_t n = drain(buf, sizeof(buf));
    assert_true(n <= 8192);
    const char tail[] = "aaa\" truncated=true\n";
    assert_true(n > sizeof(tail));
    assert_string_equal(buf + n - (sizeof(tail) - 1), tail);
    assert_null(strstr(buf, "after="));
}

/* The klog header names the caller in full however long its file name is. */
static void long_file_names_stay_whole_in_the_header(void **state)
{
    (void)state;
    char buf[512];
    static const char file[] = "adapter/a_source_file_with_a_rather_long_name_indeed.c";
    const struct wss_log_kv none[] = {{.kind = WSS_LOG_KV_NONE}};
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    wss_log_emit(WSS_LOG_INFO, file, 12345, "m", none, 1);
    drain(buf, sizeof(buf));
    assert_non_null(strstr(buf, " a_source_file_with_a_rather_long_name_indeed.c:12345] \"m\"\n"));

    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_JSON);
    wss_log_emit(WSS_LOG_INFO, file, 12345, "m", none, 1);
    drain(buf, sizeof(buf));
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "caller")->valuestring,
                        "a_source_file_with_a_rather_long_name_indeed.c:12345");
    cJSON_Delete(doc);
}

static void parses_level_and_format_names(void **state)
{
    (void)state;
    enum wss_log_level level;
    enum wss_log_format format;
    assert_int_equal(wss_log_level_parse("debug", &level), 0);
    assert_int_equal(level, WSS_LOG_DEBUG);
    assert_int_equal(wss_log_level_parse("error", &level), 0);
    assert_int_equal(level, WSS_LOG_ERROR);
    assert_int_equal(wss_log_level_parse("INFO", &level), -1);
    assert_int_equal(wss_log_level_parse("", &level), -1);
    assert_int_equal(wss_log_level_parse("verbose", &level), -1);
    assert_int_equal(wss_log_format_parse("json", &format), 0);
    assert_int_equal(format, WSS_LOG_FORMAT_JSON);
    assert_int_equal(wss_log_format_parse("logfmt", &format), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_line_has_klog_header_message_and_pairs),
        cmocka_unit_test(message_without_pairs_is_valid),
        cmocka_unit_test(json_line_parses_and_escapes_control_bytes),
        cmocka_unit_test(lines_below_min_level_are_dropped),
        cmocka_unit_test(overlong_value_is_cut_to_one_line),
        cmocka_unit_test(overlong_json_line_stays_json_and_says_it_was_cut),
        cmocka_unit_test(overlong_text_line_says_it_was_cut),
        cmocka_unit_test(long_file_names_stay_whole_in_the_header),
        cmocka_unit_test(parses_level_and_format_names),
    };
    return cmocka_run_group_tests(tests, open_pipe, close_pipe);
}
