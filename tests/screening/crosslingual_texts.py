"""Hand-written Chinese/English texts for the cross-language tests (a translation and fillers)."""

from __future__ import annotations

EN_PASSAGE = (
    "Soil erosion is one of the most serious environmental problems facing agriculture on the "
    "Loess Plateau. In this study, we measured the loss of soil nitrogen and phosphorus under "
    "different rainfall intensities. The results show that surface runoff carries most of the "
    "nitrogen lost from farmland. Vegetation cover significantly reduced the loss of sediment "
    "and nutrients. Terraces and grass strips were the most effective conservation measures. "
    "These findings provide a scientific basis for soil and water conservation in the region."
)
ZH_PASSAGE = (
    "土壤侵蚀是黄土高原农业面临的最严重的环境问题之一。本研究测定了不同降雨强度下土壤氮和磷的"
    "流失量。结果表明，地表径流携带了农田流失的大部分氮素。植被覆盖显著减少了泥沙和养分的流失。"
    "梯田和草带是最有效的保护措施。这些发现为该地区的水土保持提供了科学依据。"
)
EN_FILLER = (
    "Modern railway timetables are planned years in advance by several operators. Passengers "
    "often complain about delays during the winter months, when snow blocks the tracks. A new "
    "signalling system was installed on the main line last year at considerable cost. Engineers "
    "expect it to shorten the interval between trains by almost a third. The museum of the old "
    "station now displays early locomotives and tickets printed by hand.",
    "Children learn a second language more easily when they hear it at home every day. Teachers "
    "in the programme used songs, picture books and short plays in their lessons. Parents were "
    "asked to keep a diary of the words their children used at the weekend. After two years the "
    "pupils understood simple stories without help. The authors recommend starting before the "
    "age of seven.",
)
ZH_FILLER = (
    "城市公共交通的发展离不开合理的线路规划。近年来，许多城市开通了地铁和快速公交，"
    "市民出行更加便利。然而，高峰时段的拥挤问题依然突出，需要通过错峰出行和票价调节加以缓解。"
    "此外，共享单车为短距离出行提供了新的选择。",
    "古代诗词是中华文化的重要组成部分。唐诗宋词在语言、意境和格律方面都达到了很高的水平。"
    "学生通过诵读经典作品，可以提高审美能力和语言表达能力。教师应当结合历史背景讲解作品，"
    "帮助学生理解作者的情感。",
)
# A Chinese abstract and an English abstract of the same field (soil science), different work.
ZH_SAME_FIELD = (
    "本文以东北黑土区为研究对象，分析了长期施肥对土壤有机碳含量的影响。试验设置了不施肥、"
    "单施化肥和有机肥配施化肥三个处理。结果显示，有机肥配施化肥显著提高了表层土壤有机碳含量，"
    "并改善了土壤团聚体结构。研究结果可为黑土地保护提供参考。"
)
EN_SAME_FIELD = (
    "Groundwater salinity in coastal aquifers has increased over the past two decades. We "
    "sampled forty wells along the delta and analysed their chloride concentration. Pumping for "
    "irrigation was the main driver of seawater intrusion in the dry season. Managed aquifer "
    "recharge could reduce salinity in the most affected areas. The study recommends limits on "
    "pumping near the coast."
)
