#pragma once
// Writes qbXML responses the way QuickBooks does (shared/reference/captures/qbxml-responses/):
// `<?xml version="1.0" ?>`, no encoding, one element per line, no indentation, empty responses
// self-closed with " />", non-ASCII as &#N;. Text is appended to one string; no DOM is built, so
// a page of 500 customers costs one pass over their fields.
#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/company.h"

namespace qblink::sim::qbxml {

struct Status {
  int code = 0;
  std::string_view severity = "Info";  // Info, Warn or Error
  std::string message = "Status OK";

  bool is_error() const { return severity == "Error"; }
};

// The statuses QuickBooks answers, with its own message texts where they are known
// (qbwc-protocol.md 6.10 and the captures). Codes marked "fake" are this simulator's choice
// where QuickBooks' behaviour is undocumented.
Status status_ok();
Status status_no_match();                                                    // 1
Status status_not_all_found(std::string_view missing);                       // 500
Status status_unsupported();                                                 // 1030
Status status_bad_date(std::string_view value, std::string_view field);      // 3020
Status status_bad_date_range();                                              // 3030
Status status_too_long(std::string_view value, std::string_view field);      // 3070
Status status_bad_name(std::string_view name, std::string_view problem);     // 3090 (fake)
Status status_name_in_use(std::string_view name);                            // 3100
Status status_not_found(std::string_view id);                                // 3120
Status status_bad_parent(std::string_view parent, std::string_view reason);  // 3130
Status status_stale_edit_sequence(std::string_view edit_sequence);           // 3200
Status status_bad_iterator(std::string_view iterator_id);                    // 3391

// Which top-level elements of a Ret to write (IncludeRetElement); all when none were named.
class RetMask {
 public:
  explicit RetMask(const std::vector<std::string>& include);
  bool has(std::size_t element) const { return all_ || bits_.test(element); }

 private:
  bool all_ = true;
  std::bitset<64> bits_;
};

// Extra attributes of a query response.
struct QueryAttributes {
  std::optional<long long> ret_count;
  std::optional<long long> iterator_remaining;
  std::string iterator_id;
};

class ResponseWriter {
 public:
  ResponseWriter();

  // <XxxRs requestID=".." statusCode=".." ...> (or " />" when `empty`).
  void open_rs(std::string_view rs, const std::optional<std::string>& request_id,
               const Status& status, const QueryAttributes& extra, bool empty);
  void close_rs(std::string_view rs);
  void empty_rs(std::string_view rs, const std::optional<std::string>& request_id,
                const Status& status) {
    open_rs(rs, request_id, status, {}, true);
  }

  // <CustomerRet>, <VendorRet>, ... in the XSD's element order. total_balance_cents is the
  // customer's own balance plus its jobs' (TotalBalance); ignored for other lists.
  void ret(EntityList list, const Entity& entity, long long total_balance_cents,
           const RetMask& mask);

  // Raw, already well-formed qbXML (the HCP blocks).
  void raw(std::string_view xml) { out_.append(xml); }

  std::string finish() &&;

 private:
  std::string out_;
};

// Element names of each list's Ret, Query, Add and Mod.
std::string_view ret_element(EntityList list);

// "1234.50" from 123450.
std::string format_amount(long long cents);

}  // namespace qblink::sim::qbxml
