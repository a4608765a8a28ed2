// datetime_minus_seconds: wall-clock arithmetic on DATETIMETYPE with the offset text kept as is.
#include <gtest/gtest.h>

#include "qbxml/qbxml.h"
#include "qbxml_test_util.h"

namespace qblink::qbxml {
namespace {

TEST(DatetimeTest, SubtractsOnTheWallClockAndKeepsTheOffsetText) {
  // QuickBooks' DST bug: the offset says -08:00 in summer too; we do not reinterpret it.
  EXPECT_EQ(datetime_minus_seconds("2024-07-10T02:30:00-08:00", 3600), "2024-07-10T01:30:00-08:00");
  EXPECT_EQ(datetime_minus_seconds("2008-07-05T09:46:33-05:00", 0), "2008-07-05T09:46:33-05:00");
  EXPECT_EQ(datetime_minus_seconds("2024-03-10T12:00:00+05:30", 90), "2024-03-10T11:58:30+05:30");
  EXPECT_EQ(datetime_minus_seconds("2024-03-10T12:00:00", 1), "2024-03-10T11:59:59");
}

TEST(DatetimeTest, CrossesDayMonthAndYearBoundaries) {
  EXPECT_EQ(datetime_minus_seconds("2024-01-01T00:00:10+01:00", 20), "2023-12-31T23:59:50+01:00");
  EXPECT_EQ(datetime_minus_seconds("2024-03-01T00:00:00", 1), "2024-02-29T23:59:59");
  EXPECT_EQ(datetime_minus_seconds("2023-03-01T00:00:00", 1), "2023-02-28T23:59:59");
  EXPECT_EQ(datetime_minus_seconds("2024-05-01T00:00:00", 86400 * 2), "2024-04-29T00:00:00");
}

TEST(DatetimeTest, NegativeSecondsMoveForward) {
  EXPECT_EQ(datetime_minus_seconds("2023-12-31T23:59:59-05:00", -1), "2024-01-01T00:00:00-05:00");
}

TEST(DatetimeTest, AcceptsTheShortFormsTheSchemaAllows) {
  EXPECT_EQ(datetime_minus_seconds("2024-1-2T3:4:5", 0), "2024-01-02T03:04:05");
  EXPECT_EQ(datetime_minus_seconds("2024-01-02", 60), "2024-01-01T23:59:00");
  EXPECT_EQ(datetime_minus_seconds("2024-01-02T10", 0), "2024-01-02T10:00:00");
  EXPECT_EQ(datetime_minus_seconds("2024-01-02T10:30", 0), "2024-01-02T10:30:00");
}

TEST(DatetimeTest, OutputIsAValidFromModifiedDate) {
  MessageSetBuilder b(Version{13, 0}, OnError::StopOnError);
  ListQuery q;
  q.iterator = Iterator::Start;
  q.max_returned = 100;
  q.from_modified_date = datetime_minus_seconds("2024-01-01T00:00:10+01:00", 3600);
  b.add(q);
  EXPECT_TRUE(test::ValidateDocument(b.finish()));
}

TEST(DatetimeErrorTest, RejectsWhatIsNotADateTime) {
  for (const char* bad :
       {"", "garbage", "2024", "2024-13-01T00:00:00", "2024-02-30T00:00:00", "2023-02-29",
        "2024-01-01T24:00:00", "2024-01-01T00:60:00", "2024-01-01T00:00:60", "2024-01-01T00:00:00Z",
        "2024-01-01T00:00+01:00", "2024-01-01T00:00:00+01", "2024-01-01T00:00:00+0100",
        "2024-01-01T00:00:00-05:00 ", " 2024-01-01", "24-01-01", "2024-001-01",
        "2024-01-01T00:00:00.5", "2024-01-01t00:00:00"}) {
    EXPECT_EQ(datetime_minus_seconds(bad, 0), "") << bad;
  }
}

TEST(DatetimeErrorTest, RejectsResultsOutsideFourDigitYears) {
  EXPECT_EQ(datetime_minus_seconds("0000-01-01T00:00:00", 1), "");
  EXPECT_EQ(datetime_minus_seconds("9999-12-31T23:59:59", -1), "");
}

}  // namespace
}  // namespace qblink::qbxml
