"""The shared library's source references in Swedish (they were partly in English).

The references name the same laws, guidance and standards as before, by their Swedish titles
where one exists; the criteria's texts, rules and versions are unchanged, and tender criteria
already copied keep the reference they were copied with (criteria freeze on a tender). The
mapping is written out here so that this migration means the same whatever the library file
says later.
"""

from django.db import migrations

SWEDISH = {
    "EU GPP criteria for food, catering services and vending machines (inspiration)": "EU:s kriterier för grön offentlig upphandling (GPP) för livsmedel, cateringtjänster och varuautomater (inspiration)",
    "European Code of Best Practices Facilitating Access by SMEs to Public Procurement Contracts (inspiration)": "Europeisk kodex för bästa praxis för att underlätta små och medelstora företags tillgång till offentliga kontrakt (inspiration)",
    "Swedish regions' Code of Conduct for Suppliers (inspiration)": "Regionernas gemensamma uppförandekod för leverantörer (inspiration)",
    "EU GPP criteria for computers, monitors, tablets and smartphones (inspiration)": "EU:s GPP-kriterier för datorer, bildskärmar, surfplattor och smarta telefoner (inspiration)",
    "Directive 2014/24/EU art. 62": "Direktiv 2014/24/EU art. 62",
    "Welfare Quality assessment protocols (inspiration)": "Welfare Quality, protokoll för bedömning av djurvälfärd (inspiration)",
    "WHO list of medically important antimicrobials (inspiration)": "WHO:s lista över medicinskt viktiga antimikrobiella medel (inspiration)",
    "Regulation (EU) 2025/40 on packaging and packaging waste (inspiration)": "Förordning (EU) 2025/40 om förpackningar och förpackningsavfall (inspiration)",
    "Regulation (EU) 2019/6 on veterinary medicinal products, art. 107": "Förordning (EU) 2019/6 om veterinärmedicinska läkemedel, art. 107",
    "Regulation (EU) 2017/745 on medical devices, Annex I section 10.4 (inspiration)": "Förordning (EU) 2017/745 om medicintekniska produkter, bilaga I avsnitt 10.4 (inspiration)",
    "Regulation (EU) 2017/1369 on energy labelling": "Förordning (EU) 2017/1369 om energimärkning",
    "Regulation (EC) No 1907/2006 (REACH), art. 33": "Förordning (EG) nr 1907/2006 (Reach), art. 33",
    "Regulation (EC) No 1/2005 on the protection of animals during transport (inspiration)": "Rådets förordning (EG) nr 1/2005 om skydd av djur under transport (inspiration)",
    "OECD Due Diligence Guidance for Responsible Business Conduct (inspiration)": "OECD:s vägledning om tillbörlig aktsamhet för ansvarsfullt företagande (inspiration)",
    "ISO 14067 carbon footprint of products (method, inspiration)": "ISO 14067, produkters koldioxidavtryck (metod, inspiration)",
    "ILO core conventions": "ILO:s kärnkonventioner",
    "Global Living Wage Coalition, Anker methodology (inspiration)": "Global Living Wage Coalition, Anker-metoden för levnadslön (inspiration)",
    "Ecodesign for Sustainable Products Regulation (EU) 2024/1781 (inspiration)": "Förordning (EU) 2024/1781 om ekodesign för hållbara produkter (inspiration)",
    "EU GPP criteria for textile products and services (inspiration)": "EU:s GPP-kriterier för textilprodukter och textiltjänster (inspiration)",
    "EU GPP criteria for road transport (inspiration)": "EU:s GPP-kriterier för vägtransporter (inspiration)",
    "EFSA scientific opinions on the welfare of farmed fish at slaughter (inspiration)": "Efsas vetenskapliga yttranden om välfärd för odlad fisk vid slakt (inspiration)",
    "Directive 2014/24/EU art. 77": "Direktiv 2014/24/EU art. 77",
    "Directive 2014/24/EU art. 71": "Direktiv 2014/24/EU art. 71",
    "Directive 2014/24/EU art. 58(3)": "Direktiv 2014/24/EU art. 58.3",
    "Directive 2014/24/EU art. 43": "Direktiv 2014/24/EU art. 43",
    "Directive 2014/24/EU art. 20": "Direktiv 2014/24/EU art. 20",
    "Directive 2011/7/EU on combating late payment (inspiration)": "Direktiv 2011/7/EU om bekämpande av sena betalningar (inspiration)",
    "Directive 2008/98/EC on waste, waste hierarchy (inspiration)": "Direktiv 2008/98/EG om avfall, avfallshierarkin (inspiration)",
    "Directive (EU) 2018/2001 on renewable energy, guarantees of origin (inspiration)": "Direktiv (EU) 2018/2001 om förnybar energi, ursprungsgarantier (inspiration)",
    "Council Regulation (EC) No 1099/2009 on the protection of animals at the time of killing (inspiration)": "Rådets förordning (EG) nr 1099/2009 om skydd av djur vid tidpunkten för avlivning (inspiration)",
    "Council Directive 2008/120/EC on pigs (inspiration)": "Rådets direktiv 2008/120/EG om skydd av grisar (inspiration)",
    "Council Directive 2007/43/EC on broilers (inspiration)": "Rådets direktiv 2007/43/EG om skydd av slaktkycklingar (inspiration)",
    "Council Directive 1999/74/EC on laying hens (inspiration)": "Rådets direktiv 1999/74/EG om skydd av värphöns (inspiration)",
    "Arbetsmiljölagen (1977:1160) and AFS 2023:1, systematiskt arbetsmiljöarbete": "Arbetsmiljölagen (1977:1160) och AFS 2023:1, systematiskt arbetsmiljöarbete",
}


def in_swedish(apps, schema_editor):
    Criterion = apps.get_model("criteria", "Criterion")
    for english, swedish in SWEDISH.items():
        Criterion.objects.filter(organization__isnull=True, source_reference=english).update(
            source_reference=swedish
        )


def in_english(apps, schema_editor):
    Criterion = apps.get_model("criteria", "Criterion")
    for english, swedish in SWEDISH.items():
        Criterion.objects.filter(organization__isnull=True, source_reference=swedish).update(
            source_reference=english
        )


class Migration(migrations.Migration):
    dependencies = [("criteria", "0007_field_names")]

    operations = [migrations.RunPython(in_swedish, in_english)]
