/* tools/tool_iperf3_json.c: the JSON that iperf3 exchanges on its control
 * connection (parameters and results, tool_iperf3.h), read by key and
 * written for the results exchange; and iperf3's stream ids. */
#include "sk_test.h"
#include "tool_iperf3.h"

#include <string.h>

/* iperf3 3.12's parameters as its client sends them (cJSON, no spaces) */
static const char params[] =
    "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0,\"parallel\":4,"
    "\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}";

static void test_num_reads_numbers_and_booleans(void)
{
    double v = -1;
    SK_CHECK(ip3_json_num(params, "parallel", &v));
    SK_CHECK(v == 4.0);
    SK_CHECK(ip3_json_num(params, "reverse", &v));
    SK_CHECK(v == 1.0);
    SK_CHECK(ip3_json_num(params, "len", &v));
    SK_CHECK(v == 131072.0);
    SK_CHECK(ip3_json_num("{\"udp\" :\tfalse}", "udp", &v));
    SK_CHECK(v == 0.0);
    SK_CHECK(ip3_json_num("{\n\t\"bytes\":\t1e3\n}", "bytes", &v)); /* iperf3 -J layout */
    SK_CHECK(v == 1000.0);
}

static void test_num_missing_or_not_a_number(void)
{
    double v = 42;
    SK_CHECK(!ip3_json_num(params, "udp", &v));
    SK_CHECK(!ip3_json_num(params, "client_version", &v)); /* a string */
    SK_CHECK(!ip3_json_num("", "time", &v));
    SK_CHECK(!ip3_json_num("{\"time\":}", "time", &v));
    SK_CHECK(v == 42); /* untouched when false */
    /* a string value equal to a key is not the key */
    SK_CHECK(ip3_json_num("{\"title\":\"time\",\"time\":7}", "time", &v));
    SK_CHECK(v == 7.0);
    /* a key that only ends like the one asked for */
    SK_CHECK(!ip3_json_num("{\"xtime\":3}", "time", &v));
}

static void test_stream_ids(void)
{
    /* iperf_add_stream numbers the first 1, then 3, 4, 5 ... */
    SK_CHECK_EQ_I(ip3_stream_id(0), 1);
    SK_CHECK_EQ_I(ip3_stream_id(1), 3);
    SK_CHECK_EQ_I(ip3_stream_id(2), 4);
    SK_CHECK_EQ_I(ip3_stream_id(15), 17);
}

static void test_results_round_trip(void)
{
    ip3_stream_result s[3] = {
        {.id = 1, .bytes = 123456789012ull},
        {.id = 3, .bytes = 7, .packets = 9, .errors = 2, .jitter_s = 0.00125},
        {.id = 4, .bytes = 0},
    };
    char buf[2048];
    size_t len = ip3_json_results(buf, sizeof buf, s, 3, 2.5);
    SK_CHECK(len > 0 && len == strlen(buf));
    double v;
    SK_CHECK(ip3_json_num(buf, "sender_has_retransmits", &v) && v == 0.0);
    SK_CHECK(ip3_json_num(buf, "cpu_util_total", &v));
    ip3_stream_result back[8];
    SK_CHECK_EQ_I(ip3_json_streams(buf, back, 8), 3);
    SK_CHECK_EQ_I(back[0].id, 1);
    SK_CHECK(back[0].bytes == 123456789012ull);
    SK_CHECK_EQ_I(back[1].id, 3);
    SK_CHECK(back[1].bytes == 7 && back[1].packets == 9 && back[1].errors == 2);
    SK_CHECK(back[1].jitter_s > 0.00124 && back[1].jitter_s < 0.00126);
    SK_CHECK_EQ_I(back[2].id, 4);
    SK_CHECK(back[2].bytes == 0);
    /* at most `max` are taken */
    SK_CHECK_EQ_I(ip3_json_streams(buf, back, 2), 2);
}

static void test_results_too_small_a_buffer(void)
{
    ip3_stream_result s[2] = {{.id = 1, .bytes = 1}, {.id = 3, .bytes = 2}};
    char buf[2048];
    size_t full = ip3_json_results(buf, sizeof buf, s, 2, 1.0);
    SK_CHECK(full > 0);
    /* one byte short of the text and its NUL: refused, never cut */
    SK_CHECK_EQ(ip3_json_results(buf, full, s, 2, 1.0), 0u);
    SK_CHECK_EQ(ip3_json_results(buf, 10, s, 2, 1.0), 0u);
    SK_CHECK_EQ(ip3_json_results(buf, full + 1, s, 2, 1.0), full);
}

static void test_streams_from_iperf3_text(void)
{
    /* the shape of iperf3 3.12's results (send_results), tabs and all */
    static const char js[] =
        "{\"cpu_util_total\":1.5,\"cpu_util_user\":0.5,\"cpu_util_system\":1,"
        "\"sender_has_retransmits\":1,\"congestion_used\":\"cubic\",\"streams\":[{\"id\":1,"
        "\"bytes\":50069504,\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0,"
        "\"start_time\":0,\"end_time\":2.000187}]}";
    ip3_stream_result r[4];
    SK_CHECK_EQ_I(ip3_json_streams(js, r, 4), 1);
    SK_CHECK(r[0].bytes == 50069504u && r[0].id == 1);
    /* no "streams", an empty list, a stream without bytes */
    SK_CHECK_EQ_I(ip3_json_streams("{\"cpu_util_total\":0}", r, 4), 0);
    SK_CHECK_EQ_I(ip3_json_streams("{\"streams\":[]}", r, 4), 0);
    SK_CHECK_EQ_I(ip3_json_streams("{\"streams\":[{\"id\":1}]}", r, 4), 0);
}

int main(void)
{
    SK_RUN(test_num_reads_numbers_and_booleans);
    SK_RUN(test_num_missing_or_not_a_number);
    SK_RUN(test_stream_ids);
    SK_RUN(test_results_round_trip);
    SK_RUN(test_results_too_small_a_buffer);
    SK_RUN(test_streams_from_iperf3_text);
    return sk_test_finish();
}
