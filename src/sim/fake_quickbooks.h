#pragma once
// A fake QuickBooks Desktop that executes qbXML 13.0 message sets with QuickBooks' own rules:
// naming rules, status codes, iterators valid inside one session, ActiveStatus defaults.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/company.h"

namespace qblink::sim {

struct FakeQuickBooksOptions {
  // qbXML XSD folder (the one holding qbxmlops130.xsd). When set, every request is validated and
  // an invalid one gets hresult 0x80040400 and no response, as QuickBooks does.
  std::optional<std::filesystem::path> xsd_dir;
};

struct ProcessOutcome {
  std::string response;  // the qbXML response message set; empty when hresult is set
  std::string hresult;   // e.g. "0x80040400"
  std::string message;
};

class FakeQuickBooks {
 public:
  FakeQuickBooks(Company& company, FakeQuickBooksOptions options = {});
  ~FakeQuickBooks();
  FakeQuickBooks(const FakeQuickBooks&) = delete;
  FakeQuickBooks& operator=(const FakeQuickBooks&) = delete;

  // Opens a QuickBooks session (what the Web Connector does after authenticate). Creates the
  // FileID data extension for owner_id if the company has none yet, as the Web Connector does.
  void begin_session(const std::string& owner_id);
  void end_session();  // invalidates every iterator

  // strHCPResponse of the first sendRequestXML: HostQueryRs, CompanyQueryRs (with the DataExtRet
  // of owner_id), PreferencesQueryRs, in QuickBooks' own format.
  std::string hcp_response() const;

  // ProcessRequest: executes one qbXML request message set against the company.
  ProcessOutcome process(std::string_view request);

  Company& company();
  std::size_t invalid_requests() const;    // requests refused with 0x80040400
  std::size_t records_returned() const;    // Ret elements sent back by queries, in total
  std::size_t requests_processed() const;  // Rq elements executed, in total

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::sim
