#pragma once
// The fake company's simulated clock and qbXML DATETIMETYPE values.
//
// The company lives in a fixed -08:00 zone without daylight saving, so every time it writes has
// the same offset and tests can predict them exactly. company.clock counts seconds from
// kClockEpoch; each change QuickBooks makes advances it.
#include <optional>
#include <string>
#include <string_view>

namespace qblink::sim {

inline constexpr long long kClockEpoch = 1704096000;  // 2024-01-01T00:00:00-08:00
inline constexpr int kCompanyUtcOffsetMinutes = -8 * 60;

// "2024-01-01T00:00:05-08:00" for kClockEpoch + 5.
std::string format_qb_datetime(long long unix_seconds);

// Parses a DATETIMETYPE value: YYYY-MM-DD[Thh[:mm[:ss[+-hh:mm]]]] (one- or two-digit parts, as
// the XSD pattern allows). Without an offset the time is the company's local time, as QuickBooks
// reads it. Missing parts are the start of the period, or its last second when `end_of_period`
// (so a ToModifiedDate of "2024-03-01" includes that whole day). nullopt when malformed or not a
// real date.
std::optional<long long> parse_qb_datetime(std::string_view text, bool end_of_period = false);

}  // namespace qblink::sim
