/*
 * Liaoning's prefecture-level cities (GB/T 2260). Art. 3 and 15: each city's department of
 * industry and information technology acts for its own region.
 */
#include "domain/regions.h"

#include <string.h>

const sf_region sf_cities[] = {
    {"210100", "沈阳市"}, {"210200", "大连市"}, {"210300", "鞍山市"}, {"210400", "抚顺市"},
    {"210500", "本溪市"}, {"210600", "丹东市"}, {"210700", "锦州市"}, {"210800", "营口市"},
    {"210900", "阜新市"}, {"211000", "辽阳市"}, {"211100", "盘锦市"}, {"211200", "铁岭市"},
    {"211300", "朝阳市"}, {"211400", "葫芦岛市"},
};
const size_t sf_city_count = sizeof sf_cities / sizeof sf_cities[0];

const sf_region *sf_region_city(const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < sf_city_count; i++)
        if (strcmp(sf_cities[i].code, code) == 0)
            return &sf_cities[i];
    return NULL;
}

int sf_region_is_known(const char *code)
{
    return code != NULL && (strcmp(code, SF_PROVINCE_CODE) == 0 || sf_region_city(code) != NULL);
}
