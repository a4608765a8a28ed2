#include "store/pg.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "store/store.h"

namespace qblink::store::pg {
namespace {

std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

std::string to_dollar_params(std::string_view sql, int& params) {
  std::string out;
  out.reserve(sql.size() + 16);
  params = 0;
  int next = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (quoted || c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    const int n = j > i + 1 ? std::atoi(std::string(sql.substr(i + 1, j - i - 1)).c_str()) : ++next;
    if (n > params) params = n;
    out += '$' + std::to_string(n);
    i = j - 1;
  }
  return out;
}

void Result::Clear::operator()(pg_result* r) const { PQclear(r); }

Result::Result(pg_result* r) : r_(r) {}

int Result::rows() const { return r_ ? PQntuples(r_.get()) : 0; }

std::string Result::text(int row, int column) const {
  return std::string(PQgetvalue(r_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, column)));
}

std::int64_t Result::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(r_.get(), row, column), nullptr, 10);
}

bool Result::is_null(int row, int column) const { return PQgetisnull(r_.get(), row, column) != 0; }

std::int64_t Result::affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

Query::Query(Connection& conn, std::string name, int params)
    : conn_(&conn), name_(std::move(name)), params_(static_cast<std::size_t>(params)) {}

Query& Query::bind(int index, std::string_view text) {
  params_.at(static_cast<std::size_t>(index - 1)) = std::string(text);
  return *this;
}

Query& Query::bind(int index, std::int64_t value) { return bind(index, std::to_string(value)); }

Query& Query::bind_null(int index) {
  params_.at(static_cast<std::size_t>(index - 1)).reset();
  return *this;
}

bool Query::step() {
  if (!executed_) {
    result_ = conn_->run_prepared(name_, params_);
    executed_ = true;
    row_ = -1;
  }
  if (row_ + 1 >= result_.rows()) return false;
  ++row_;
  return true;
}

void Query::run() {
  result_ = conn_->run_prepared(name_, params_);
  executed_ = true;
  row_ = result_.rows();
}

void Query::reset() {
  for (auto& p : params_) p.reset();
  result_ = Result();
  executed_ = false;
  row_ = -1;
}

void Connection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

Connection::Connection(const std::string& conninfo, const std::string& shown) {
  conn_.reset(PQconnectdb(conninfo.c_str()));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    throw Error("cannot connect to " + shown + ": " +
                (conn_ ? trimmed(PQerrorMessage(conn_.get())) : std::string("out of memory")));
  // NOTICEs (e.g. "no transaction in progress") are not ours to print.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
  // Integers and text come back as we wrote them: no locale, UTF-8 both ways. Statements are
  // planned for their parameters and the table as it is now: a generic plan cached while a
  // table was empty (a fresh installation's first import or sync, all in one transaction) kept
  // scanning it whole for every key lookup (28 s of a 20,000-account import).
  exec("SET client_encoding = 'UTF8'; SET plan_cache_mode = force_custom_plan");
}

Connection::~Connection() = default;

bool Connection::broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }

void Connection::count_statement() {
  if (!faults_) return;
  const auto n = ++faults_->statements;
  if (n == faults_->fail_at.load()) {
    ++faults_->failures;
    throw Error("statement failed: injected failure (test)");
  }
}

Result Connection::check(pg_result* raw, std::string_view what) {
  Result r(raw);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    changes_ = r.affected();
    return r;
  }
  std::string why = raw ? trimmed(PQresultErrorMessage(raw)) : "";
  if (why.empty()) why = trimmed(PQerrorMessage(conn_.get()));
  if (broken()) why = "connection lost: " + why;
  throw Error(std::string(what) + ": " + why);
}

void Connection::exec(std::string_view sql) {
  count_statement();
  check(PQexec(conn_.get(), std::string(sql).c_str()), "SQL failed");
}

Result Connection::query(const std::string& sql,
                         const std::vector<std::optional<std::string>>& params) {
  count_statement();
  int n = 0;
  const std::string text = to_dollar_params(sql, n);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               "statement failed");
}

Query& Connection::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    int params = 0;
    const std::string text = to_dollar_params(sql, params);
    const std::string name = "q" + std::to_string(cache_.size() + 1);
    check(PQprepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr),
          "cannot prepare statement");
    it = cache_.emplace(std::string(sql), std::make_unique<Query>(*this, name, params)).first;
  }
  it->second->reset();
  return *it->second;
}

Result Connection::run_prepared(const std::string& name,
                                const std::vector<std::optional<std::string>>& params) {
  count_statement();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0),
               "statement failed");
}

}  // namespace qblink::store::pg
