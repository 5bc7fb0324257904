/*
 * The application's record made whole for the decisions of domain/transitions.h (see
 * app_record.c).
 */
#ifndef SF_API_APP_RECORD_H
#define SF_API_APP_RECORD_H

#include "domain/transitions.h"
#include "persistence/applications.h"

/* Parses the record's stored texts into its snapshot. SF_INTERNAL when memory runs out. */
sf_status sf_app_record_complete(sf_app_record *r);

/* An sf_app_decide (persistence/applications.h): `request` is an sf_app_request; completes the
 * record and answers sf_decide's decision. */
sf_status sf_app_record_decide(sf_app_record *r, void *request, sf_app_decision *d, sf_errors *why);

#endif
