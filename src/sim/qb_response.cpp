#include "sim/qb_response.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "sim/qb_fields.h"
#include "sim/qb_text.h"

namespace qblink::sim::qbxml {

// QuickBooks' texts separate sentences with two spaces (qbwc-gem 3120 and hotglue 3130
// captures); they are kept as captured.
Status status_ok() { return {0, "Info", "Status OK"}; }

Status status_no_match() {
  return {1, "Info", "A query request did not find a matching object in QuickBooks"};
}

Status status_not_all_found(std::string_view missing) {
  return {
      500, "Warn",
      fmt::format("The query request has not been fully completed. There was a required element "
                  "(\"{}\") that could not be found in QuickBooks.",
                  missing)};
}

Status status_unsupported() {
  return {1030, "Error", "This request is not supported by this implementation."};
}

Status status_bad_date(std::string_view value, std::string_view field) {
  return {
      3020, "Error",
      fmt::format("There was an error when converting the date value \"{}\" in the field \"{}\".",
                  value, field)};
}

Status status_bad_date_range() {
  return {3030, "Error", "Invalid date range: From date is greater than To date."};
}

Status status_too_long(std::string_view value, std::string_view field) {
  return {3070, "Error",
          fmt::format("The string \"{}\" in the field \"{}\" is too long.", value, field)};
}

Status status_bad_name(std::string_view name, std::string_view problem) {
  return {3090, "Error", fmt::format("The name \"{}\" in the field \"Name\" {}.", name, problem)};
}

Status status_name_in_use(std::string_view name) {
  return {3100, "Error",
          fmt::format("The name \"{}\" of the list element is already in use.", name)};
}

Status status_not_found(std::string_view id) {
  return {
      3120, "Error",
      fmt::format("Object \"{}\" specified in the request cannot be found.  QuickBooks error "
                  "message: Invalid argument.  The specified record does not exist in the list.",
                  id)};
}

Status status_bad_parent(std::string_view parent, std::string_view reason) {
  return {3130, "Error",
          fmt::format("There is an invalid reference to a parent \"{}\" in the Customers list.  "
                      "QuickBooks error message: {}",
                      parent, reason)};
}

Status status_stale_edit_sequence(std::string_view edit_sequence) {
  return {3200, "Error",
          fmt::format("The provided edit sequence \"{}\" is out-of-date.", edit_sequence)};
}

Status status_bad_iterator(std::string_view iterator_id) {
  return {3391, "Error", fmt::format("The iteratorID \"{}\" is not valid.", iterator_id)};
}

namespace {

// Every top-level Ret element the fake writes; IncludeRetElement names map onto these.
enum Element : std::size_t {
  kListID,
  kTimeCreated,
  kTimeModified,
  kEditSequence,
  kName,
  kFullName,
  kIsActive,
  kParentRef,
  kSublevel,
  kCompanyName,
  kSalutation,
  kFirstName,
  kMiddleName,
  kLastName,
  kJobTitle,
  kBillAddress,
  kVendorAddress,
  kEmployeeAddress,
  kOtherNameAddress,
  kPhone,
  kMobile,
  kAltPhone,
  kFax,
  kEmail,
  kContact,
  kAccountNumber,
  kNotes,
  kBalance,
  kTotalBalance,
  kJobStatus,
  kIsVendorEligibleFor1099,
  kElementCount
};

constexpr std::string_view kElementNames[] = {
    "ListID",
    "TimeCreated",
    "TimeModified",
    "EditSequence",
    "Name",
    "FullName",
    "IsActive",
    "ParentRef",
    "Sublevel",
    "CompanyName",
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "JobTitle",
    "BillAddress",
    "VendorAddress",
    "EmployeeAddress",
    "OtherNameAddress",
    "Phone",
    "Mobile",
    "AltPhone",
    "Fax",
    "Email",
    "Contact",
    "AccountNumber",
    "Notes",
    "Balance",
    "TotalBalance",
    "JobStatus",
    "IsVendorEligibleFor1099",
};
static_assert(std::size(kElementNames) == kElementCount);
static_assert(kElementCount <= 64);

// Writes one Ret's elements, skipping empty values and those the mask leaves out.
class RetWriter {
 public:
  RetWriter(std::string& out, const RetMask& mask) : out_(out), mask_(mask) {}

  void text(Element element, std::string_view value) {
    if (value.empty() || !mask_.has(element)) return;
    open(element);
    text::append_text(out_, value);
    close(element);
  }
  void raw(Element element, std::string_view value) {
    if (!mask_.has(element)) return;
    open(element);
    out_.append(value);
    close(element);
  }
  void boolean(Element element, bool value) { raw(element, value ? "true" : "false"); }
  void amount(Element element, long long cents) { raw(element, format_amount(cents)); }

  void parent_ref(const Entity& e) {
    if (e.parent_list_id.empty() || !mask_.has(kParentRef)) return;
    // A job's FullName is its parent's FullName, ':' and its own Name.
    const std::string_view parent_name =
        std::string_view(e.full_name)
            .substr(0, e.full_name.size() - std::min(e.full_name.size(), e.name.size() + 1));
    out_ += "<ParentRef>\n<ListID>";
    text::append_text(out_, e.parent_list_id);
    out_ += "</ListID>\n<FullName>";
    text::append_text(out_, parent_name);
    out_ += "</FullName>\n</ParentRef>\n";
  }

  void address(Element element, const Address& address) {
    if (address == Address{} || !mask_.has(element)) return;
    open(element);
    out_ += '\n';
    for (const auto& field : kAddressFields) {
      const auto& value = address.*(field.member);
      if (value.empty()) continue;
      out_ += '<';
      out_ += field.element;
      out_ += '>';
      text::append_text(out_, value);
      out_ += "</";
      out_ += field.element;
      out_ += ">\n";
    }
    close(element);
  }

  void person(const Entity& e) {
    text(kSalutation, e.salutation);
    text(kFirstName, e.first_name);
    text(kMiddleName, e.middle_name);
    text(kLastName, e.last_name);
  }

  void list_core(const Entity& e) {
    text(kListID, e.list_id);
    text(kTimeCreated, e.time_created);
    text(kTimeModified, e.time_modified);
    text(kEditSequence, e.edit_sequence);
    text(kName, e.name);
  }

 private:
  void open(Element element) {
    out_ += '<';
    out_ += kElementNames[element];
    out_ += '>';
  }
  void close(Element element) {
    out_ += "</";
    out_ += kElementNames[element];
    out_ += ">\n";
  }

  std::string& out_;
  const RetMask& mask_;
};

void append_int(std::string& out, long long value) {
  fmt::format_to(std::back_inserter(out), "{}", value);
}

}  // namespace

RetMask::RetMask(const std::vector<std::string>& include) : all_(include.empty()) {
  for (const auto& name : include) {
    const auto found = std::find(std::begin(kElementNames), std::end(kElementNames), name);
    if (found != std::end(kElementNames))
      bits_.set(static_cast<std::size_t>(found - std::begin(kElementNames)));
  }
}

std::string_view ret_element(EntityList list) {
  switch (list) {
    case EntityList::Customer:
      return "CustomerRet";
    case EntityList::Vendor:
      return "VendorRet";
    case EntityList::Employee:
      return "EmployeeRet";
    case EntityList::OtherName:
      return "OtherNameRet";
  }
  return "CustomerRet";
}

std::string format_amount(long long cents) {
  const unsigned long long magnitude = cents < 0 ? 0ULL - static_cast<unsigned long long>(cents)
                                                 : static_cast<unsigned long long>(cents);
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

ResponseWriter::ResponseWriter() { out_ = "<?xml version=\"1.0\" ?>\n<QBXML>\n<QBXMLMsgsRs>\n"; }

void ResponseWriter::open_rs(std::string_view rs, const std::optional<std::string>& request_id,
                             const Status& status, const QueryAttributes& extra, bool empty) {
  out_ += '<';
  out_ += rs;
  if (request_id) {
    out_ += " requestID=\"";
    text::append_attribute(out_, *request_id);
    out_ += '"';
  }
  out_ += " statusCode=\"";
  append_int(out_, status.code);
  out_ += "\" statusSeverity=\"";
  out_ += status.severity;
  out_ += "\" statusMessage=\"";
  text::append_attribute(out_, status.message);
  out_ += '"';
  if (extra.ret_count) {
    out_ += " retCount=\"";
    append_int(out_, *extra.ret_count);
    out_ += '"';
  }
  if (extra.iterator_remaining) {
    out_ += " iteratorRemainingCount=\"";
    append_int(out_, *extra.iterator_remaining);
    out_ += '"';
  }
  if (!extra.iterator_id.empty()) {
    out_ += " iteratorID=\"";
    text::append_attribute(out_, extra.iterator_id);
    out_ += '"';
  }
  out_ += empty ? " />\n" : ">\n";
}

void ResponseWriter::close_rs(std::string_view rs) {
  out_ += "</";
  out_ += rs;
  out_ += ">\n";
}

void ResponseWriter::ret(EntityList list, const Entity& e, long long total_balance_cents,
                         const RetMask& mask) {
  const std::string_view element = ret_element(list);
  out_ += '<';
  out_ += element;
  out_ += ">\n";
  RetWriter w(out_, mask);
  w.list_core(e);
  switch (list) {
    case EntityList::Customer:
      w.text(kFullName, e.full_name);
      w.boolean(kIsActive, e.is_active);
      w.parent_ref(e);
      w.raw(kSublevel, std::to_string(e.sublevel));
      w.text(kCompanyName, e.company_name);
      w.person(e);
      w.text(kJobTitle, e.job_title);
      w.address(kBillAddress, e.address);
      w.text(kPhone, e.phone);
      w.text(kMobile, e.mobile);
      w.text(kAltPhone, e.alt_phone);
      w.text(kFax, e.fax);
      w.text(kEmail, e.email);
      w.text(kContact, e.contact);
      w.amount(kBalance, e.balance_cents);
      w.amount(kTotalBalance, total_balance_cents);
      w.text(kAccountNumber, e.account_number);
      w.raw(kJobStatus, "None");  // real CustomerRets always carry it (CAP08)
      w.text(kNotes, e.notes);
      break;
    case EntityList::Vendor:
      w.boolean(kIsActive, e.is_active);
      w.text(kCompanyName, e.company_name);
      w.person(e);
      w.text(kJobTitle, e.job_title);
      w.address(kVendorAddress, e.address);
      w.text(kPhone, e.phone);
      w.text(kMobile, e.mobile);
      w.text(kAltPhone, e.alt_phone);
      w.text(kFax, e.fax);
      w.text(kEmail, e.email);
      w.text(kContact, e.contact);
      w.text(kAccountNumber, e.account_number);
      w.text(kNotes, e.notes);
      w.boolean(kIsVendorEligibleFor1099, false);
      w.amount(kBalance, e.balance_cents);
      break;
    case EntityList::Employee:
      w.boolean(kIsActive, e.is_active);
      w.person(e);
      w.text(kJobTitle, e.job_title);
      w.address(kEmployeeAddress, e.address);
      w.text(kPhone, e.phone);
      w.text(kMobile, e.mobile);
      w.text(kAltPhone, e.alt_phone);
      w.text(kFax, e.fax);
      w.text(kEmail, e.email);
      w.text(kAccountNumber, e.account_number);
      w.text(kNotes, e.notes);
      break;
    case EntityList::OtherName:
      w.boolean(kIsActive, e.is_active);
      w.text(kCompanyName, e.company_name);
      w.person(e);
      w.address(kOtherNameAddress, e.address);
      w.text(kPhone, e.phone);
      w.text(kAltPhone, e.alt_phone);
      w.text(kFax, e.fax);
      w.text(kEmail, e.email);
      w.text(kContact, e.contact);
      w.text(kAccountNumber, e.account_number);
      w.text(kNotes, e.notes);
      break;
  }
  out_ += "</";
  out_ += element;
  out_ += ">\n";
}

std::string ResponseWriter::finish() && {
  out_ += "</QBXMLMsgsRs>\n</QBXML>\n";
  return std::move(out_);
}

}  // namespace qblink::sim::qbxml
