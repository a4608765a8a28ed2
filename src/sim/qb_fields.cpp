#include "sim/qb_fields.h"

#include <fmt/format.h>

#include "sim/qb_text.h"

namespace qblink::sim {

std::string_view address_element(EntityList list) {
  switch (list) {
    case EntityList::Customer:
      return "BillAddress";
    case EntityList::Vendor:
      return "VendorAddress";
    case EntityList::Employee:
      return "EmployeeAddress";
    case EntityList::OtherName:
      return "OtherNameAddress";
  }
  return "BillAddress";
}

NameProblem check_name(std::string_view name) {
  if (name.empty()) return NameProblem::Empty;
  if (!text::is_latin1(name)) return NameProblem::NotLatin1;
  if (text::char_count(name) > kMaxNameChars) return NameProblem::TooLong;
  if (name.find(':') != std::string_view::npos) return NameProblem::Colon;
  return NameProblem::None;
}

std::string_view describe(NameProblem problem) {
  switch (problem) {
    case NameProblem::None:
      return "is valid";
    case NameProblem::Empty:
      return "is empty";
    case NameProblem::TooLong:
      return "is longer than 41 characters";
    case NameProblem::Colon:
      return "contains ':', which QuickBooks reserves to separate a job from its parent";
    case NameProblem::NotLatin1:
      return "contains characters outside ISO-8859-1, which QuickBooks cannot store";
  }
  return "is invalid";
}

std::string format_list_id(long long counter, long long unix_seconds) {
  return fmt::format("{:X}-{}", 0x80000000LL + counter, unix_seconds);
}

}  // namespace qblink::sim
