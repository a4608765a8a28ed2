#pragma once
// A fake QuickBooks Desktop that executes qbXML 13.0 message sets with QuickBooks' own rules:
// naming rules, status codes, iterators valid inside one session, ActiveStatus defaults.
//
// Supported requests: CustomerQuery, VendorQuery, EmployeeQuery, OtherNameQuery, CustomerAdd,
// VendorAdd, CustomerMod, VendorMod, HostQuery, CompanyQuery, PreferencesQuery. Any other request
// gets statusCode 1030 ("not supported by this implementation").
//
// Not thread-safe: one FakeQuickBooks serves one Web Connector, like the real one.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/company.h"

namespace qblink::sim {

class XsdValidator;

struct FakeQuickBooksOptions {
  // qbXML XSD folder (the one holding qbxmlops130.xsd). When set, every request is validated and
  // an invalid one gets hresult 0x80040400 and no response, as QuickBooks does. The schema is
  // compiled once, in the constructor (which throws if it cannot be loaded).
  std::optional<std::filesystem::path> xsd_dir;
  // An already compiled schema to use instead of xsd_dir, so that many fakes (tests) share one.
  std::shared_ptr<const XsdValidator> validator;
};

struct ProcessOutcome {
  std::string response;  // the qbXML response message set; empty when hresult is set
  std::string hresult;   // e.g. "0x80040400"
  std::string message;   // QuickBooks' text for hresult
  std::string detail;    // why the request was refused (for logs and test failures only; the
                         // real QuickBooks says no more than `message`)
};

inline constexpr std::string_view kParseErrorHresult = "0x80040400";
inline constexpr std::string_view kParseErrorMessage =
    "QuickBooks found an error when parsing the provided XML text stream.";

class FakeQuickBooks {
 public:
  // Keeps a reference to `company` and changes it as requests add and modify names; the caller
  // saves it when it likes. Normalises the company (see normalize_company) and throws
  // std::runtime_error if it breaks QuickBooks' rules.
  FakeQuickBooks(Company& company, FakeQuickBooksOptions options = {});
  ~FakeQuickBooks();
  FakeQuickBooks(const FakeQuickBooks&) = delete;
  FakeQuickBooks& operator=(const FakeQuickBooks&) = delete;

  // Opens a QuickBooks session (what the Web Connector does after authenticate). Creates the
  // FileID data extension for owner_id if the company has none yet, as the Web Connector does.
  // Re-reads the company, so direct edits made between sessions are seen. Ends any open session.
  void begin_session(const std::string& owner_id);
  void end_session();  // invalidates every iterator
  bool in_session() const;

  // strHCPResponse of the first sendRequestXML: HostQueryRs, CompanyQueryRs (with the DataExtRet
  // of owner_id), PreferencesQueryRs, in QuickBooks' own format.
  std::string hcp_response() const;

  // ProcessRequest: executes one qbXML request message set against the company. Allowed
  // outside a session too (iterators then live until the next begin_session/end_session).
  // A refused message set (not well-formed, DOCTYPE, qbXML version above the company's, schema
  // violation, ...) changes nothing and comes back as hresult 0x80040400. Throws
  // std::runtime_error only if the caller broke the company directly (see normalize_company).
  ProcessOutcome process(std::string_view request);

  Company& company();
  // Rebuilds the indexes after the caller changed company() directly (begin_session does it
  // too). Adding or removing entries is noticed without it; editing one in place is not.
  void reindex();

  std::size_t invalid_requests() const;    // request message sets refused with 0x80040400
  std::size_t records_returned() const;    // Ret elements sent back by queries, in total
  std::size_t requests_processed() const;  // Rq elements executed, in total

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::sim
