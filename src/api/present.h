#pragma once
// How qblink's records look as JSON, in one place for every front end: the API's answers and the
// CLI's --json output. Two ways out: nlohmann::json values where a document is small or printed
// pretty (the CLI, review candidates), and JsonWriter, which appends JSON text straight to a
// string for the API's long lists (100,000 accounts listed page by page would otherwise build
// ~22 json nodes per row and copy every string twice; see bench/api_driver.cpp).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.h"
#include "store/store.h"

namespace qblink::api {

// Appends compact JSON text to a string. The caller keeps the structure balanced; commas are
// placed here. Strings that are not valid UTF-8 have their bad bytes replaced by U+FFFD (as
// nlohmann's error_handler_t::replace does), so the answer always parses.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // An object member's name; its value comes next.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(std::size_t number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // A value that is JSON text already (e.g. a nlohmann::json's dump).
  JsonWriter& raw(std::string_view json_text);
  JsonWriter& value(const nlohmann::json& j);

  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

 private:
  void comma() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
  }
  JsonWriter& open(char c) {
    comma();
    out_.push_back(c);
    need_comma_ = false;
    return *this;
  }
  JsonWriter& close(char c) {
    out_.push_back(c);
    need_comma_ = true;
    return *this;
  }
  std::string& out_;
  bool need_comma_ = false;
};

// Appends `text` as a JSON string (quotes included).
void append_json_string(std::string& out, std::string_view text);

// nlohmann's compact dump with bad UTF-8 replaced (never throws on text from QuickBooks).
std::string dump(const nlohmann::json& j);

// A review candidate list: list, list_id, full_name, is_active, score, strong, evidence, contact.
// The API's review queue and `qblink review --json` both print this.
nlohmann::json candidates_json(const std::vector<admin::Candidate>& candidates);

// One run of the sync log: id, started_at, ended_at, outcome, its counts and summary.
nlohmann::json run_json(const store::RunRow& r);

// One account as the API answers it (kind, account_id, the app's fields, status, list_id,
// qb_full_name, reason, detail, declared_new, change), plus its review candidates when asked.
void write_account(JsonWriter& w, const store::AccountRow& a, bool with_candidates = false);

}  // namespace qblink::api
