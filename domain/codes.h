/*
 * The closed list of codes a refusal carries (issue 13): each a stable, machine-readable
 * name a client branches on and words in its own language, with the names of the parameters
 * it supplies. A code is never renamed or reused; a new refusal gets a new code here, then a
 * text in each catalogue (api/messages_zh.c, api/messages_en.c) and in the Problem schema's
 * enum (openapi/openapi.yaml). The domain suite checks all three agree.
 */
#ifndef SF_CODES_H
#define SF_CODES_H

#include <stddef.h>

/* X(ENUM, "wire name", "parameter names, comma-separated") */
#define SF_CODE_LIST(X) \
    X(NONE, "none", "") \
    /* generic problem codes (one per HTTP status where nothing more precise applies) */ \
    X(BAD_REQUEST, "bad_request", "") \
    X(UNAUTHORIZED, "unauthorized", "") \
    X(FORBIDDEN, "forbidden", "") \
    X(NOT_FOUND, "not_found", "") \
    X(METHOD_NOT_ALLOWED, "method_not_allowed", "") \
    X(CONFLICT, "conflict", "") \
    X(PRECONDITION_FAILED, "precondition_failed", "") \
    X(PAYLOAD_TOO_LARGE, "payload_too_large", "") \
    X(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "") \
    X(VALIDATION_FAILED, "validation_failed", "") \
    X(QUERY_INVALID, "query_invalid", "") \
    X(TOO_MANY_REQUESTS, "too_many_requests", "") \
    X(INTERNAL_ERROR, "internal_error", "") \
    X(DATABASE_UNAVAILABLE, "database_unavailable", "") \
    /* applications and their lifecycle */ \
    X(APPLICATION_NOT_IN_STATE, "application_not_in_state", "current_status,action") \
    X(NOT_RECOMMENDER, "not_recommender", "") \
    X(NOT_DECIDING_AUTHORITY, "not_deciding_authority", "") \
    X(ROUND_CLOSED, "round_closed", "opens_on,closes_on") \
    X(QUOTA_EXHAUSTED, "quota_exhausted", "quota") \
    X(REPORT_NOT_FILLED, "report_not_filled", "") \
    X(RECOMMENDATION_NOT_FILLED, "recommendation_not_filled", "") \
    X(MATERIAL_MISSING, "material_missing", "kind") \
    X(NO_FUNCTION_MET, "no_function_met", "") \
    X(NOT_READY_TO_RECOMMEND, "not_ready_to_recommend", "") \
    X(DECISION_INVALID, "decision_invalid", "") \
    X(COMMENT_REQUIRED, "comment_required", "") \
    X(APPLICATION_NOT_APPROVED, "application_not_approved", "id,current_status") \
    X(START_IN_PAST, "start_in_past", "today") \
    X(DATE_IN_FUTURE, "date_in_future", "today") \
    X(DUE_IN_PAST, "due_in_past", "today") \
    X(START_BEFORE_PUBLISHED, "start_before_published", "") \
    X(START_BEFORE_REVIEW, "start_before_review", "id,approved_on") \
    X(CALENDAR_YEAR_MISSING, "calendar_year_missing", "year") \
    X(PUBLICITY_NOT_ENDED, "publicity_not_ended", "end_date") \
    X(OBJECTION_UNRESOLVED, "objection_unresolved", "count") \
    /* eligibility (Art. 12, 13): verdicts in structure, and the sentence of each condition and function */ \
    X(MET, "met", "") \
    X(BELOW_MINIMUM, "below_minimum", "") \
    X(REQUIREMENT_UNMET, "requirement_unmet", "") \
    X(NOT_REPORTED, "not_reported", "") \
    X(NOT_REQUIRED, "not_required", "") \
    X(NOT_JUDGED, "not_judged", "") \
    X(STANDING_GROWTH_UNKNOWN, "standing_growth_unknown", "smes_served,satisfaction_pct") \
    X(ELIG_12_1, "elig_12_1", "established_on,days,opens_on,min_years,total_assets,min_total_assets") \
    X(ELIG_12_1_RELAXED, "elig_12_1_relaxed", "established_on,days,opens_on,min_years,total_assets,min_total_assets,min_days") \
    X(ELIG_12_2, "elig_12_2", "smes_served,min_smes_served,smes_served_prev,growth,min_growth_pct,satisfaction_pct,min_satisfaction_pct") \
    X(ELIG_12_3, "elig_12_3", "has_fixed_premises,partner_institutions,min_partner_institutions") \
    X(ELIG_12_4, "elig_12_4", "recognitions,has_city_award") \
    X(ELIG_12_4_NOT_REQUIRED, "elig_12_4_not_required", "recognitions,has_city_award") \
    X(ELIG_12_5, "elig_12_5", "has_management_rules,has_development_plan,share_pct,min_share_pct") \
    X(ELIG_12_6, "elig_12_6", "service_staff,min_service_staff,qualified_staff,qualified_pct,min_qualified_pct") \
    X(ELIG_INFORMATION, "elig_information", "reported,offline_smes,min_offline_smes,activities,min_activities") \
    X(ELIG_TECHNOLOGY, "elig_technology", "reported,activities,min_activities") \
    X(ELIG_ENTREPRENEURSHIP, "elig_entrepreneurship", "reported,events,min_events") \
    X(ELIG_TRAINING, "elig_training", "reported,trainee_times,min_trainee_times") \
    X(ELIG_FINANCING, "elig_financing", "reported,activities,min_activities,raised,min_raised,guarantees,min_guarantees") \
    /* scope and ownership */ \
    X(ROUND_NOT_OPEN_TO_CITY, "round_not_open_to_city", "") \
    X(PLATFORM_NOT_IN_REGION, "platform_not_in_region", "") \
    X(PLATFORM_OF_ASSOCIATION, "platform_of_association", "") \
    X(ASSOCIATION_PROVINCE_ONLY, "association_province_only", "") \
    X(PLATFORM_NOT_OF_ASSOCIATION, "platform_not_of_association", "") \
    X(OUTSIDE_OWN_REGION, "outside_own_region", "") \
    X(NOT_PLATFORM_OWNER, "not_platform_owner", "") \
    /* platforms and titles */ \
    X(PLATFORM_UNDER_REVIEW, "platform_under_review", "") \
    X(TITLE_FROZEN_FIELD, "title_frozen_field", "") \
    X(TITLE_FUNCTION_ADDED, "title_function_added", "function") \
    X(PLATFORM_TITLED, "platform_titled", "") \
    X(NOT_AWARDING_AUTHORITY, "not_awarding_authority", "") \
    X(REVOCATION_REASON_INVALID, "revocation_reason_invalid", "") \
    X(REVOCATION_REASON_RETIRED, "revocation_reason_retired", "") \
    X(FINDING_REQUIRED, "finding_required", "") \
    X(FINDING_NOT_ALLOWED, "finding_not_allowed", "") \
    X(REFERENCE_REQUIRED, "reference_required", "") \
    X(ASSESSMENT_NOT_ALLOWED, "assessment_not_allowed", "") \
    X(ASSESSMENT_REQUIRED, "assessment_required", "") \
    X(ASSESSMENT_OF_OTHER_TITLE, "assessment_of_other_title", "") \
    X(ASSESSMENT_PASSED, "assessment_passed", "") \
    X(ASSESSMENT_NO_RESULT, "assessment_no_result", "") \
    X(ASSESSMENT_SUPERSEDED, "assessment_superseded", "") \
    X(TITLE_NOT_IN_STATE, "title_not_in_state", "current_status,action") \
    X(REINSTATE_ASSESSMENT_PENDING, "reinstate_assessment_pending", "assessment_id") \
    X(REINSTATE_NO_LATER_ASSESSMENT, "reinstate_no_later_assessment", "assessment_id") \
    X(REINSTATE_LATER_FAILED, "reinstate_later_failed", "assessment_id") \
    X(REINSTATE_NOT_BY_PROVINCE, "reinstate_not_by_province", "assessment_id") \
    /* rounds and thresholds */ \
    X(PROVINCE_ROUNDS_ONLY, "province_rounds_only", "") \
    X(CITY_ROUNDS_ONLY, "city_rounds_only", "") \
    X(LEVEL_INVALID, "level_invalid", "") \
    X(DATE_OUTSIDE_YEAR, "date_outside_year", "year") \
    X(CLOSES_BEFORE_OPENS, "closes_before_opens", "") \
    X(ITEM_NOT_CITY_CODE, "item_not_city_code", "index") \
    X(RELAXATION_FACTOR_INVALID, "relaxation_factor_invalid", "") \
    X(RELAXED_REGIONS_REQUIRED, "relaxed_regions_required", "") \
    X(RELAXED_REGION_OTHER_CITY, "relaxed_region_other_city", "index") \
    X(THRESHOLD_NOT_RELAXABLE, "threshold_not_relaxable", "condition") \
    X(RELAXED_STRICTER, "relaxed_stricter", "threshold,normal") \
    X(PERCENT_INVALID, "percent_invalid", "") \
    X(NEGATIVE, "negative", "") \
    X(TOO_LARGE, "too_large", "max") \
    /* supervision */ \
    X(RECTIFICATION_NOT_OF_TITLE, "rectification_not_of_title", "") \
    X(RECTIFICATION_CLOSED, "rectification_closed", "") \
    X(DUE_ON_NOT_ALLOWED, "due_on_not_allowed", "") \
    X(DUE_BEFORE_INSPECTION, "due_before_inspection", "") \
    X(DUE_AFTER_TITLE_ENDS, "due_after_title_ends", "valid_until") \
    /* organisations, users and generic text */ \
    X(NOT_UTF8, "not_utf8", "") \
    X(EMPTY, "empty", "") \
    X(TOO_LONG, "too_long", "max") \
    X(TOO_SHORT, "too_short", "min") \
    X(TOO_MANY_BYTES, "too_many_bytes", "max") \
    X(HIDDEN_CONTROLS, "hidden_controls", "") \
    X(ORGANIZATION_TYPE_INVALID, "organization_type_invalid", "") \
    X(PROVINCE_EXISTS, "province_exists", "") \
    X(REGION_INVALID, "region_invalid", "") \
    X(REGION_PROVINCIAL, "region_provincial", "") \
    X(USERNAME_INVALID, "username_invalid", "") \
    /* the working-day calendar */ \
    X(DAY_BOTH_KINDS, "day_both_kinds", "date") \
    X(DAY_NOT_ADJACENT, "day_not_adjacent", "date,year") \
    X(DAY_YEAR_NOT_LOADED, "day_year_not_loaded", "date,year") \
    X(DAY_STORED_WORKING, "day_stored_working", "date,year") \
    X(DAY_STORED_OFF, "day_stored_off", "date,year") \
    /* generic field codes */ \
    X(REQUIRED, "required", "") \
    X(OUT_OF_RANGE, "out_of_range", "min,max") \
    /* persistence: unique keys and what only the database knows */ \
    X(ROUND_OR_PLATFORM_NOT_FOUND, "round_or_platform_not_found", "") \
    X(TITLE_STILL_VALID, "title_still_valid", "valid_until") \
    X(APPLICATION_EXISTS, "application_exists", "") \
    X(ASSESSOR_ATTACHES, "assessor_attaches", "") \
    X(CITY_ATTACHES, "city_attaches", "") \
    X(RESULT_SUBMITTED, "result_submitted", "") \
    X(FILE_ATTACHED, "file_attached", "") \
    X(ASSESSMENT_TARGET_INVALID, "assessment_target_invalid", "") \
    X(TITLE_NOT_IN_REGION, "title_not_in_region", "") \
    X(TITLE_REVOKED, "title_revoked", "") \
    X(YEAR_NOT_BEGUN, "year_not_begun", "") \
    X(AFTER_TODAY, "after_today", "") \
    X(RECEIVED_BEFORE_YEAR, "received_before_year", "year") \
    X(YEAR_NOT_COVERED, "year_not_covered", "valid_from,valid_until") \
    X(TITLE_NOT_IN_FORCE_ON, "title_not_in_force_on", "valid_from,valid_until") \
    X(BEFORE_RECTIFICATION_OPENED, "before_rectification_opened", "opened_on") \
    X(SUMMARY_EXISTS, "summary_exists", "year") \
    X(CITY_REPORT_EXISTS, "city_report_exists", "year") \
    X(CITY_REPORT_OWN_REGION, "city_report_own_region", "") \
    X(APPLICATION_ID_UNKNOWN, "application_id_unknown", "id") \
    X(APPLICATION_OTHER_ROUND, "application_other_round", "id") \
    X(NOTICE_NOT_OPEN, "notice_not_open", "") \
    X(NOT_ON_NOTICE, "not_on_notice", "") \
    X(RECEIVED_OUTSIDE_WINDOW, "received_outside_window", "") \
    X(OBJECTION_RESOLVED, "objection_resolved", "") \
    X(ROUND_EXISTS, "round_exists", "level,year") \
    X(USERNAME_TAKEN, "username_taken", "") \
    X(ORGANIZATION_UNKNOWN, "organization_unknown", "") \
    X(PLATFORM_NAME_TAKEN, "platform_name_taken", "") \
    X(CITY_ORGANIZATION_EXISTS, "city_organization_exists", "") \
    X(ORGANIZATION_NAME_TAKEN, "organization_name_taken", "") \
    /* not found (404), by resource */ \
    X(APPLICATION_NOT_FOUND, "application_not_found", "") \
    X(APPLICATION_PART_NOT_FOUND, "application_part_not_found", "") \
    X(ASSESSMENT_NOT_FOUND, "assessment_not_found", "") \
    X(AWARD_NOT_FOUND, "award_not_found", "") \
    X(FILE_NOT_FOUND, "file_not_found", "") \
    X(MATERIAL_NOT_FOUND, "material_not_found", "") \
    X(NOTICE_NOT_FOUND, "notice_not_found", "") \
    X(OBJECTION_NOT_FOUND, "objection_not_found", "") \
    X(ORGANIZATION_NOT_FOUND, "organization_not_found", "") \
    X(REGISTRY_ENTRY_NOT_FOUND, "registry_entry_not_found", "") \
    X(PLATFORM_NOT_FOUND, "platform_not_found", "") \
    X(RECORD_NOT_FOUND, "record_not_found", "") \
    X(ROUND_NOT_FOUND, "round_not_found", "") \
    X(TITLE_NOT_FOUND, "title_not_found", "") \
    X(TOKEN_NOT_FOUND, "token_not_found", "") \
    X(USER_NOT_FOUND, "user_not_found", "") \
    X(CALENDAR_NOT_FOUND, "calendar_not_found", "") \
    /* bodies and queries */ \
    X(BODY_NOT_JSON_MEDIA, "body_not_json_media", "") \
    X(BODY_EMPTY, "body_empty", "") \
    X(BODY_NOT_JSON, "body_not_json", "line,column") \
    X(BODY_NOT_OBJECT, "body_not_object", "") \
    X(UNKNOWN_FIELD, "unknown_field", "") \
    X(UNKNOWN_PARAMETER, "unknown_parameter", "") \
    X(PARAMETER_REPEATED, "parameter_repeated", "") \
    X(NOT_STRING, "not_string", "") \
    X(NOT_INTEGER, "not_integer", "") \
    X(NOT_BOOLEAN, "not_boolean", "") \
    X(NOT_OBJECT, "not_object", "") \
    X(NOT_DATE, "not_date", "") \
    X(NOT_DATE_OR_TIME, "not_date_or_time", "") \
    X(LENGTH_OUT_OF_RANGE, "length_out_of_range", "min,max") \
    X(PERCENT_OUT_OF_RANGE, "percent_out_of_range", "") \
    X(INTEGER_OUT_OF_RANGE, "integer_out_of_range", "max") \
    X(LIMIT_INVALID, "limit_invalid", "max") \
    X(ORDER_INVALID, "order_invalid", "") \
    X(OLDEST_FIRST_ONLY, "oldest_first_only", "") \
    X(PAGE_TOKEN_INVALID, "page_token_invalid", "") \
    X(HEADER_CHOICE_INVALID, "header_choice_invalid", "") \
    X(NOT_ONE_OF, "not_one_of", "allowed") \
    X(ITEM_NOT_ONE_OF, "item_not_one_of", "index,allowed") \
    X(LISTED_TWICE, "listed_twice", "item") \
    /* authentication, roles and tokens (401, 403) */ \
    X(LOGIN_FAILED, "login_failed", "") \
    X(LOGIN_REQUEST_INVALID, "login_request_invalid", "") \
    X(LOGINS_BUSY, "logins_busy", "") \
    X(LOGIN_THROTTLED, "login_throttled", "") \
    X(HASHING_BUSY, "hashing_busy", "") \
    X(REQUESTS_BUSY, "requests_busy", "") \
    X(TOKEN_MISSING, "token_missing", "") \
    X(TOKEN_INVALID, "token_invalid", "") \
    X(ROLE_FORBIDDEN, "role_forbidden", "") \
    X(TOKEN_NOT_ADMIN, "token_not_admin", "") \
    X(TOKEN_SCOPE_FORBIDDEN, "token_scope_forbidden", "") \
    X(TOKEN_CREATES_TOKEN, "token_creates_token", "") \
    X(ORIGIN_FORBIDDEN, "origin_forbidden", "") \
    X(METRICS_TOKEN_REQUIRED, "metrics_token_required", "") \
    /* service state (503) */ \
    X(SHUTTING_DOWN, "shutting_down", "") \
    X(SCHEMA_NOT_MIGRATED, "schema_not_migrated", "") \
    X(REPLICA_UNAVAILABLE, "replica_unavailable", "") \
    X(BODIES_BUSY, "bodies_busy", "") \
    X(UPLOAD_NOT_STORED, "upload_not_stored", "") \
    /* changed since read (412) */ \
    X(APPLICATION_CHANGED, "application_changed", "") \
    X(PLATFORM_CHANGED, "platform_changed", "") \
    X(CALENDAR_CHANGED, "calendar_changed", "") \
    /* imports and idempotency */ \
    X(IDEMPOTENCY_IN_PROGRESS, "idempotency_in_progress", "") \
    X(IDEMPOTENCY_KEY_REUSED, "idempotency_key_reused", "") \
    X(IDEMPOTENCY_KEY_INVALID, "idempotency_key_invalid", "") \
    /* uploads */ \
    X(FILE_PART_EMPTY, "file_part_empty", "") \
    X(UPLOAD_EMPTY, "upload_empty", "") \
    X(FILE_TYPE_UNSUPPORTED, "file_type_unsupported", "") \
    X(MATERIAL_KIND_INVALID, "material_kind_invalid", "") \
    X(FILENAME_INVALID, "filename_invalid", "") \
    /* more field codes */ \
    X(ENTITY_INVALID, "entity_invalid", "") \
    X(NOT_DATE_ARRAY, "not_date_array", "") \
    X(ITEM_NOT_DATE, "item_not_date", "index") \
    X(DATE_NOT_IN_YEAR, "date_not_in_year", "date,year") \
    X(YEAR_NOT_PATH, "year_not_path", "year") \
    X(CALENDAR_DAYS_INVALID, "calendar_days_invalid", "") \
    X(CALENDAR_DAY_INVALID, "calendar_day_invalid", "index") \
    X(TOO_MANY_ADJACENT_DAYS, "too_many_adjacent_days", "max") \
    X(ALSO_HOLIDAY, "also_holiday", "date") \
    X(CALENDAR_LACKS_YEAR, "calendar_lacks_year", "") \
    X(TOO_SMALL, "too_small", "min") \
    X(RECOGNITIONS_INVALID, "recognitions_invalid", "max") \
    X(ITEM_NOT_OBJECT, "item_not_object", "index") \
    X(QUALIFIED_EXCEEDS_STAFF, "qualified_exceeds_staff", "") \
    X(INNOVATION_REQUIRED, "innovation_required", "") \
    X(FUNCTIONS_INVALID, "functions_invalid", "") \
    X(ITEM_NOT_FUNCTION, "item_not_function", "index") \
    X(REGION_FIXED, "region_fixed", "") \
    X(CREDIT_CODE_INVALID, "credit_code_invalid", "") \
    X(PLATFORM_EXISTS, "platform_exists", "") \
    X(ORGANIZATION_EXISTS, "organization_exists", "") \
    X(ROUND_EXISTS_ALREADY, "round_exists_already", "") \
    X(PUBLISHED_ELSEWHERE_INVALID, "published_elsewhere_invalid", "") \
    X(REFERENCE_REQUIRED_TEXT, "reference_required_text", "") \
    X(REQUIRED_DATE, "required_date", "") \
    X(IDS_INVALID, "ids_invalid", "max") \
    X(ITEM_NOT_ID, "item_not_id", "index") \
    X(NOTICE_APPLICATIONS_INVALID, "notice_applications_invalid", "") \
    X(OBJECTIONS_THROTTLED, "objections_throttled", "") \
    X(NOT_CITY_CODES, "not_city_codes", "") \
    X(SOONEST_FIRST_ONLY, "soonest_first_only", "") \
    X(SUMMARY_YEAR_REQUIRED, "summary_year_required", "") \
    /* multipart uploads (400) */ \
    X(MULTIPART_BOUNDARY_INVALID, "multipart_boundary_invalid", "") \
    X(MULTIPART_NO_OPENING, "multipart_no_opening", "") \
    X(MULTIPART_BAD_DELIMITER, "multipart_bad_delimiter", "") \
    X(MULTIPART_NO_HEADERS, "multipart_no_headers", "") \
    X(MULTIPART_NO_NAME, "multipart_no_name", "") \
    X(MULTIPART_NOT_CLOSED, "multipart_not_closed", "") \
    X(MULTIPART_UNKNOWN_PART, "multipart_unknown_part", "") \
    X(MULTIPART_PART_TWICE, "multipart_part_twice", "") \
    X(MULTIPART_NO_FILE, "multipart_no_file", "") \
    /* more */ \
    X(ROW_REPEATED, "row_repeated", "") \
    X(OBJECTION_NOT_RECORDED, "objection_not_recorded", "") \
    X(BODY_TOO_LARGE, "body_too_large", "max") \
    X(SUMMARY_NOT_FOUND, "summary_not_found", "") \
    X(INSPECTION_NOT_FOUND, "inspection_not_found", "") \
    X(CITY_REPORT_NOT_FOUND, "city_report_not_found", "") \
    X(RECTIFICATION_NOT_FOUND, "rectification_not_found", "") \
    X(SUMMARY_OF_YEAR_MISSING, "summary_of_year_missing", "") \
    X(SUMMARY_NO_FIGURES, "summary_no_figures", "") \
    /* the platform import */ \
    X(CSV_COLUMN_UNKNOWN, "csv_column_unknown", "column,columns,titles") \
    X(CSV_COLUMN_TWICE, "csv_column_twice", "column") \
    X(CSV_COLUMN_MISSING, "csv_column_missing", "key,label") \
    X(CSV_COLUMN_COUNT, "csv_column_count", "count") \
    X(CSV_HEADER_INVALID, "csv_header_invalid", "columns,titles") \
    X(IMPORT_PLATFORM_EXISTS, "import_platform_exists", "") \
    X(BODY_HAS_NUL, "body_has_nul", "") \
    X(IMPORT_ROWS, "import_rows", "max") \
    X(IMPORT_NOT_ARRAY, "import_not_array", "") \
    X(CSV_ENCODING, "csv_encoding", "") \
    X(CSV_ROW_ENCODING, "csv_row_encoding", "") \
    X(CSV_QUOTE_OPEN, "csv_quote_open", "line") \
    X(IMPORT_MEDIA_TYPE, "import_media_type", "") \
    X(IMPORT_REFUSED, "import_refused", "") \
    /* words appended to an eligibility detail in a relaxed region */ \
    X(RELAXED_REGION, "relaxed_region", "name,relaxed,normal") \
    X(RELAXED_ALSO, "relaxed_also", "name,relaxed,normal") \
    /* the applicants (issue 16) and records of the past (issue 15) */ \
    X(NOT_APPLICANT, "not_applicant", "") \
    X(APPLICANT_PREPARES, "applicant_prepares", "") \
    X(NOT_READY_TO_SUBMIT, "not_ready_to_submit", "") \
    X(RETURN_COMMENT_REQUIRED, "return_comment_required", "") \
    X(RECOMMENDER_NOT_ALLOWED, "recommender_not_allowed", "") \
    X(RECOMMENDER_OWN_ONLY, "recommender_own_only", "") \
    X(PLATFORM_NOT_OPERATED, "platform_not_operated", "") \
    X(ROUND_OTHER_CITY, "round_other_city", "") \
    X(CREDIT_CODE_NOT_ALLOWED, "credit_code_not_allowed", "") \
    X(CREDIT_CODE_TAKEN, "credit_code_taken", "") \
    X(ORGANIZATION_OUT_OF_SCOPE, "organization_out_of_scope", "") \
    X(ORGANIZATION_NOT_MANAGED, "organization_not_managed", "") \
    X(RECEIVED_ON_CITY_ONLY, "received_on_city_only", "") \
    X(RECEIVED_ON_PROVINCE_ONLY, "received_on_province_only", "") \
    X(CALENDAR_MOVES_NOTICES, "calendar_moves_notices", "notices") \
    X(TITLE_NOT_OPERATED, "title_not_operated", "") \
    X(CITY_OR_PLATFORM_ATTACHES, "city_or_platform_attaches", "") \
    X(RECORD_YEAR_RANGE, "record_year_range", "min,max") \
    X(RECORD_BEFORE_FIRST_YEAR, "record_before_first_year", "year") \
    X(VALID_UNTIL_BEFORE_FROM, "valid_until_before_from", "") \
    X(REVOKED_BEFORE_AWARDED, "revoked_before_awarded", "") \
    X(REVOKED_ONLY, "revoked_only", "") \
    X(ROUND_RECORDED, "round_recorded", "") \
    X(RECORD_ROW_REFUSED, "record_row_refused", "reason") \
    X(RECORD_ROUND_LATER_EXISTS, "record_round_later_exists", "level") \
    X(RECORD_ROUND_MISSING, "record_round_missing", "level,year,region_code") \
    X(RECORD_ROUND_MISMATCH, "record_round_mismatch", "round_id,level,year") \
    X(RECORD_CITY_TITLE_OTHER_CITY, "record_city_title_other_city", "region_code") \
    X(RECORD_PLATFORM_OTHER_REGION, "record_platform_other_region", "region_code") \
    X(RECORD_FUNCTIONS_REQUIRED, "record_functions_required", "") \
    X(RECORD_STATUS_CONTRADICTS, "record_status_contradicts", "valid_until,actual") \
    X(RECORD_CERTIFICATE_TAKEN, "record_certificate_taken", "") \
    X(RECORD_SEQUENCE_TAKEN, "record_sequence_taken", "seq,certificate_no") \
    X(RECORD_TITLE_ACTIVE_ALREADY, "record_title_active_already", "level,certificate_no") \
    X(RECORD_VALIDITY_OVERLAPS, "record_validity_overlaps", "certificate_no,valid_from,valid_until") \
    X(RECORD_ROWS_OVERLAP, "record_rows_overlap", "other_row,level") \
    X(REPEATS_ROW, "repeats_row", "other_row") \
    X(RECORD_NO_SUCH_TITLE, "record_no_such_title", "") \
    X(RECORD_AFTER_REVOCATION, "record_after_revocation", "revoked_on") \
    X(RECORDS_KIND_REQUIRED, "records_kind_required", "") \
    /* accounts and sessions (issue 14, item 6; issue 13, point 3) */ \
    X(PASSWORD_CONTAINS_USERNAME, "password_contains_username", "") \
    X(PASSWORD_COMMON, "password_common", "") \
    X(PASSWORD_CHANGE_REQUIRED, "password_change_required", "") \
    X(SELF_DEACTIVATION, "self_deactivation", "") \
    X(OLD_PASSWORD_WRONG, "old_password_wrong", "") \
    X(PASSWORD_NOT_CHANGED, "password_not_changed", "") \
    X(PASSWORD_SAME, "password_same", "") \
    X(PASSWORD_BY_PERSON, "password_by_person", "") \
    X(PASSWORD_TRIES_THROTTLED, "password_tries_throttled", "") \
    X(REFRESHES_THROTTLED, "refreshes_throttled", "") \
    X(REFRESH_REQUEST_INVALID, "refresh_request_invalid", "") \
    X(USER_CHANGED, "user_changed", "") \
    X(REFRESH_TOKEN_INVALID, "refresh_token_invalid", "") \
    X(REFRESH_TOKEN_REUSED, "refresh_token_reused", "") \
    X(PASSWORD_CHANGED_MEANWHILE, "password_changed_meanwhile", "")

typedef enum {
#define SF_CODE_ENUM_(id, name, params) SF_E_##id,
    SF_CODE_LIST(SF_CODE_ENUM_)
#undef SF_CODE_ENUM_
    SF_CODE_COUNT
} sf_code;

/* The wire name ("round_closed"); "internal_error" for a value out of range. */
const char *sf_code_name(sf_code code);
/* The code of a wire name, or SF_E_NONE. */
sf_code sf_code_by_name(const char *name);
/* The names of its parameters, comma-separated ("min,max"), "" for none. */
const char *sf_code_params(sf_code code);
size_t sf_code_param_count(sf_code code);
int sf_code_has_param(sf_code code, const char *name);

#endif
