/*
 * Records of the past (DESIGN.md §2 "Records of the past (going live)", Art. 28): what a
 * recorded round, title or supervision record must say on its own, before it meets the
 * database. Pure: dates in (today an argument), field errors out. Whether a recorded title is
 * active or expired is title_status()'s to say (sql/016_revocation.sql), never re-derived here;
 * conflicts with what is stored (a certificate number taken, an overlapping title) are
 * persistence/records.c's, because only the database knows them.
 */
#ifndef SF_RECORDS_H
#define SF_RECORDS_H

#include "domain/calendar.h"
#include "domain/status.h"

/* The 2006 measures came first (Art. 28): nothing is recorded from before them. */
#define SF_RECORDS_FIRST_YEAR 2006

/* A recorded round's year: from 2006 up to the current year (a round of the current year only
 * where the database has none of its level and region from that year on: persistence). */
void sf_record_round_check(int year, sf_day today, sf_errors *errors);

/* A recorded title's status as the import states it. */
typedef enum { SF_RECORDED_ACTIVE, SF_RECORDED_EXPIRED, SF_RECORDED_REVOKED } sf_recorded_status;

/* "active" | "expired" | "revoked" → *out; 0 for anything else. */
int sf_recorded_status_parse(const char *text, sf_recorded_status *out);

/* A recorded title's dates and status, as parsed (a date 0: absent or unreadable, reported
 * by the parser already). */
typedef struct {
    sf_day awarded_on, valid_from, valid_until;
    int status_known;
    sf_recorded_status status;
    sf_day revoked_on;                /* 0: not given */
    const char *revocation_reason;    /* NULL: not given */
} sf_recorded_title;

/* Art. 19, 23 as a record must show them: awarded from 2006 on and not after today;
 * valid_until not before valid_from; a revoked title names its date (not after today, not
 * before the award) and its ground (violation | failed_assessment | surrendered | other —
 * a ground of the older measures stays as it was), and only a revoked one does. Every
 * problem is added to `errors`. */
void sf_record_title_check(const sf_recorded_title *t, sf_day today, sf_errors *errors);

/* The sequence of a certificate number within its round: its trailing digits (at most nine,
 * the last ones), e.g. "LNSME-2019-007" → 7, "辽工信示范〔2019〕第12号" → 0 (none: the number
 * ends in 号). 0 when the number does not end in digits or they are all zeros. New awards of
 * the round continue after the highest such sequence. */
int sf_certificate_seq(const char *certificate_no);

/* A date a record states (received_on, inspected_on) may not be after today (Art. 22, 24:
 * timeliness is judged by the day a document arrived). */
void sf_record_date_check(const char *field, sf_day stated, sf_day today, sf_errors *errors);

/* A recorded round is closed: it takes no applications. SF_CONFLICT with the reason, or
 * SF_OK for a round decided in shifan. */
sf_status sf_round_takes_applications(int recorded, sf_errors *why);

#endif
