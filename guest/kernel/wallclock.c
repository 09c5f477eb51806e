/*
 * Wall-clock time for `date` and file timestamps. On HVM it is the
 * MC146818 RTC; on PV, Xen's shared_info wallclock (wc_sec, wc_nsec at
 * system time 0, so now = wc + uptime), when the VMM has set it.
 * Calendar arithmetic: H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (days_from_civil / civil_from_days).
 */
#include <sprout/kernel.h>
#include <sprout/riscv.h>
#include <sprout/timer.h>
#include <sprout/wallclock.h>
#include <sprout/xen.h>

static int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

uint64_t wallclock_to_unix(const struct rtc_time *t) {
    return (uint64_t)(days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
                      t->minute * 60 + t->second);
}

void wallclock_from_unix(uint64_t secs, struct rtc_time *t) {
    int64_t z = (int64_t)(secs / 86400) + 719468;
    uint32_t rem = (uint32_t)(secs % 86400);
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (int)(yoe + era * 400 + (t->month <= 2));
    t->hour = (int)(rem / 3600);
    t->minute = (int)(rem / 60 % 60);
    t->second = (int)(rem % 60);
}

int day_of_week(const struct rtc_time *t) {
    int64_t days = days_from_civil(t->year, t->month, t->day);
    return (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

/*
 * Xen's wallclock protocol (xen.h struct shared_info): wc_sec/wc_nsec are
 * the time at system time 0, and the VMM makes wc_version odd while it
 * rewrites them; read until the same even version brackets both. A version
 * of 0 means the VMM never set it.
 */
static bool pv_wallclock(uint32_t *sec, uint32_t *nsec) {
    if (!shared_info) return false;
    uint32_t v;
    do {
        v = shared_info->wc_version;
        fence();
        *sec = shared_info->wc_sec;
        *nsec = shared_info->wc_nsec;
        fence();
    } while ((v & 1) || v != shared_info->wc_version);
    return v != 0;
}

bool wallclock_now(struct rtc_time *t) {
    if (!is_pv()) return rtc_read(t);
    uint32_t sec, nsec;
    if (!pv_wallclock(&sec, &nsec)) return false;
    uint64_t ns = (uint64_t)nsec + timer_us() * 1000; /* system time: guest time since boot */
    wallclock_from_unix((uint64_t)sec + ns / 1000000000u, t);
    return true;
}

const char *wallclock_source(void) {
    uint32_t sec, nsec;
    if (!is_pv()) return "MC146818 RTC";
    return pv_wallclock(&sec, &nsec) ? "shared_info wallclock" : "none";
}
