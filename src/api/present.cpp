// JSON presentation shared by the API and the CLI (see present.h).
#include "api/present.h"

#include <charconv>

#include "reconcile/reconcile.h"

namespace qblink::api {

void append_json_string(std::string& out, std::string_view text) {
  // Invalid UTF-8 is rare (every front end checks it on the way in); nlohmann handles it then.
  if (reconcile::utf8_error_at(text) != std::string_view::npos) {
    out += dump(nlohmann::json(std::string(text)));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      default:
        out += "u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonWriter& JsonWriter::key(std::string_view name) {
  comma();
  append_json_string(out_, name);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  comma();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  comma();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  comma();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  comma();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json_text) {
  comma();
  out_ += json_text;
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& j) { return raw(dump(j)); }

nlohmann::json candidates_json(const std::vector<admin::Candidate>& candidates) {
  auto out = nlohmann::json::array();
  for (const auto& c : candidates) {
    auto contact = nlohmann::json::object();
    for (const auto& [k, v] : c.contact) contact[k] = v;
    out.push_back({{"list", std::string(reconcile::to_string(c.list))},
                   {"list_id", c.list_id},
                   {"full_name", c.full_name},
                   {"is_active", c.is_active},
                   {"score", c.score},
                   {"strong", c.strong},
                   {"evidence", c.evidence},
                   {"contact", std::move(contact)}});
  }
  return out;
}

nlohmann::json run_json(const store::RunRow& r) {
  return {
      {"id", r.id},           {"started_at", r.started_at}, {"ended_at", r.ended_at},
      {"outcome", r.outcome}, {"linked", r.linked},         {"added", r.added},
      {"review", r.review},   {"errors", r.errors},         {"records_fetched", r.records_fetched},
      {"summary", r.summary}};
}

void write_account(JsonWriter& w, const store::AccountRow& a, bool with_candidates) {
  w.begin_object()
      .field("kind", reconcile::to_string(a.kind))
      .field("account_id", a.account_id)
      .field("name", a.name)
      .field("accounting_name", a.accounting_name)
      .field("company_name", a.company_name)
      .field("first_name", a.first_name)
      .field("last_name", a.last_name)
      .field("phone", a.phone)
      .field("email", a.email)
      .field("addr1", a.addr1)
      .field("addr2", a.addr2)
      .field("city", a.city)
      .field("state", a.state)
      .field("postal_code", a.postal_code)
      .field("country", a.country)
      .field("status", a.status)
      .field("list_id", a.list_id)
      .field("qb_full_name", a.qb_full_name)
      .field("reason", a.reason)
      .field("detail", a.detail)
      .field("declared_new", a.declared_new)
      .field("change", a.changed_at);
  if (with_candidates)
    w.field("candidates", candidates_json(admin::parse_candidates(a.candidates)));
  w.end_object();
}

}  // namespace qblink::api
