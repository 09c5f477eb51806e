/* Wall-clock time: from the RTC on HVM, from shared_info's wallclock on PV (if the VMM sets it). */
#ifndef SPROUT_WALLCLOCK_H
#define SPROUT_WALLCLOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "drivers.h"

/* Now, broken down (UTC); false when no clock is known. */
bool wallclock_now(struct rtc_time *t);
const char *wallclock_source(void);
uint64_t wallclock_to_unix(const struct rtc_time *t);
void wallclock_from_unix(uint64_t secs, struct rtc_time *t);
int day_of_week(const struct rtc_time *t); /* 0 = Sunday */

#endif
