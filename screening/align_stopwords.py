"""English function words left out of sentence features: they say nothing about the content.

A plain list (the usual closed-class words: articles, pronouns, auxiliaries, prepositions,
conjunctions, common adverbs), kept here so the aligner needs no heavy import for it.
"""

from __future__ import annotations

_WORDS = """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at be became because become becomes becoming been before beforehand behind
    being below beside besides between beyond both but by can cannot could did do does doing
    done down during each either else elsewhere enough etc even ever every everyone everything
    everywhere except few for former formerly from further had has have having he hence her
    here hereafter hereby herein hers herself him himself his how however i if in indeed into
    is it its itself just last latter latterly least less many may me meanwhile might mine
    more moreover most mostly much must my myself namely neither never nevertheless next no
    nobody none noone nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own per perhaps rather same seem seemed
    seeming seems several she should since so some somehow someone something sometime
    sometimes somewhere still such than that the their theirs them themselves then thence
    there thereafter thereby therefore therein thereupon these they this those though through
    throughout thru thus to together too toward towards under until up upon us very via was we
    well were what whatever when whence whenever where whereafter whereas whereby wherein
    whereupon wherever whether which while whither who whoever whole whom whose why will with
    within without would yet you your yours yourself yourselves
    back bottom call cant co con couldnt cry de describe detail eg empty fill find front full
    get give go hasnt ie inc interest keep ltd made mill move name part put re see seemed
    serious show side sincere system take thick thin top un
    zero one two three four five six seven eight nine ten eleven twelve fifteen twenty forty
    fifty sixty hundred first third amount
"""

ENGLISH_STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())
