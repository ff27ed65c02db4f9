"""Word lists that tell the senses of a name apart, for extractors/disambiguation.py.

- SENSE_CLASSES: the other things a watchlist name can be (a river, a fruit, a zodiac sign,
  a wind, a shoe…), each as the words that, near the name, say it is that thing. A watchlist
  entry names the classes its ambiguous aliases can fall into (`senses = ["place", "food"]`).
- TECH: words of the industry labwatch watches; near an ambiguous name they are weak evidence
  that it is the entity (weak: one of a class's words beats them).
- Given names and surnames (US Census 1990 lists, from the `names` package): "Claude Monet"
  and "Fiona Apple" are people.

Words are lowercase; a multi-word term is looked for as a phrase; a word marked "^" counts only
right next to the name.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = [
    "APPOSITIVE_OWN",
    "COMMANDS",
    "MODEL_NOUNS",
    "ORGANISATIONS",
    "ORG_NOUNS",
    "SENSE_CLASSES",
    "TECH",
    "given_names",
    "surnames",
]


def _words(text: str) -> frozenset[str]:
    # A phrase broken over two lines of the source is one phrase ("the crypto exchange").
    return frozenset(" ".join(w.split()) for w in text.split(",") if w.strip())


SENSE_CLASSES: dict[str, frozenset[str]] = {
    # Rivers, forests, regions and what is said of them.
    "place": _words(
        """river, rivers, rainforest, rainforests, rain forest, forest, forests, jungle, basin,
        delta, tributary, tributaries, region, biome, canopy, deforestation, wildfire,
        wildfires, logging, indigenous, tribe, tribes, tribal, brazil, brazilian, peru,
        peruvian, colombia, colombian, ecuador, bolivia, venezuela, manaus, iquitos, andes,
        expedition, canoe, kayak, riverboat, wildlife, species, biodiversity, drought,
        dolphins, piranha, jaguar, malta, gozo, island, islands, coastline, cliff, cliffs,
        arch, limestone, geology, landmark,
        amazonas, amazonian, floodplain, floodplains, watershed, headwaters, rainfall,
        savanna, wetland, wetlands, mangrove, mangroves, tree cover, carbon sink, ecologist,
        ecologists, conservationists, hectares, yanomami, belem, para state, mato grosso,
        rondonia, orinoco, xingu, tapajos, villagers, riverside, fishermen, cop30"""
    ),
    # Fruit and what is made of it.
    "food": _words(
        """pie, pies, juice, cider, vinegar, sauce, applesauce, crumble, tart, orchard,
        orchards, tree, trees, blossom, blossoms, fruit, fruits, cake, strudel, cobbler,
        cereal, breakfast, brunch, milk, menu, recipe, recipes, cinnamon, caramel, candy,
        cherry, cherries, pear, pears, peach, snack, dessert, jam, jelly,
        salad, cocktail, punch, flavor, flavors, flavour, flavours, chardonnay, wine,
        harvest, ripe,
        apples, frost, crop, crops, bushel, bushels, farmers market, pectin,
        granny smith, honeycrisp, mcintosh apples, growers"""
    ),
    "crypto": _words(
        """crypto, cryptocurrency, cryptocurrencies, bitcoin, ethereum, coinbase, crypto.com,
        winklevoss, stablecoin, blockchain, binance, kraken, crypto exchange, the crypto
        exchange, ^exchange,
        defi, decentralized finance, decentralised finance, smart contract, smart
        contracts, liquidation, liquidations, on-chain, onchain, stablecoins, solana,
        chainlink, wallet, wallets, altcoin, altcoins, memecoin, nft, nfts, staking,
        validators, web3, price feed, price feeds, crypto firm, digital assets"""
    ),
    "astrology": _words(
        """zodiac, horoscope, horoscopes, astrology, astrological, star sign, sun sign, twins,
        constellation, sagittarius, taurus, aries, virgo, libra, scorpio, capricorn,
        aquarius, pisces,
        astrologer, astrologers, tarot, retrograde, mercury retrograde, moon sign,
        rising sign, born under"""
    ),
    "space": _words(
        """nasa, spacecraft, capsule, astronaut, astronauts, rocket, rockets, orbit, orbital,
        spacewalk, apollo, lunar, spacex, canaveral, booster, launch pad, liftoff, crewed,
        telescope, telescopes, observatory, observatories, astronomer, astronomers,
        astronomy, spectrograph, spectrographs, mauna kea,
        saturn, jupiter, planet, planets, planetary, moon, moons, solar system,
        cassini, huygens, methane, splashdown, rendezvous, cosmonaut, cosmonauts,
        astrophysicist, astrophysicists, space agency, space station, supernova, supernovae,
        novae, stellar, galaxy, galaxies, white dwarf, lander, rover, launch vehicle"""
    ),
    # Ships and what goes under the sea ("the submersible Titan", "the assault ship Mistral").
    "sea": _words(
        """submersible, submersibles, submarine, vessel, vessels, shipwreck, wreck,
        titanic, hull, implosion, imploded, oceangate, seabed, seafloor, coast guard,
        deep-sea, ocean floor, warship, warships, navy, naval, frigate, assault ship,
        aircraft carrier, moored, harbour, harbor,
        dive, dives, diving, divers, depths, deep ocean, amphibious, shipyard"""
    ),
    "weather": _words(
        """wind, winds, breeze, gust, gusts, storm, storms, weather, blew, blows, blowing,
        rhone, provence, marseille, mediterranean, chill, gale,
        gusting, gusted, gusty, firefighters, northerly, camargue, toulon,
        languedoc, corsica, sailors, regatta"""
    ),
    "apparel": _words(
        """shoe, shoes, boot, boots, sneaker, sneakers, trainers, jacket, climbing, outsole,
        sole, laces, leather, la sportiva, footwear, wore, worn, dress"""
    ),
    "aviation": _words(
        """pilot, pilots, captain, cockpit, crash, crashed, airline, airlines, aircraft,
        plane, planes, runway, ntsb, faa, takeoff, air traffic, flight crew,
        drone, drones, jet, jets, helicopter, helicopters, hangar, avionics,
        autopilot, first officer, flight deck"""
    ),
    "animal": _words(
        """farm, farms, animal, animals, alpaca, alpacas, wool, herd, fleece, pasture, mascot,
        zoo, ranch, graze, grazing, camelid, breeder, petting,
        llamas, bird, birds, raptor, raptors, falconer, falconry, peregrine, prey,
        nest, nesting, feathers, livestock, veterinarian, shearing, camel, camels"""
    ),
    "antiquity": _words(
        """delphi, prophecy, prophecies, prophet, oracles, temple, gods, goddess, greek,
        ancient, divination, bone, bones, shang, dynasty, inscriptions, myth, mythology,
        seer, priestess, legend,
        pythia, sanctuary, pilgrims, pilgrimage, athenians, croesus, sibyl,
        soothsayer, fortune-teller, fortune teller"""
    ),
    "coffee": _words(
        """espresso, coffee, boiler, grinder, grind, dose, portafilter, barista, latte,
        cappuccino, breville, steam wand"""
    ),
    "colour": _words(
        """sky, skies, sea, blue, waters, colour, color, hue, shade, paint, eyes, turquoise"""
    ),
    "letter": _words(
        """alpha, beta, gamma, epsilon, kappa, sigma, omega, theta, fraternity, sorority,
        honor society, calculus, golden ratio,
        greek life, pledges, inductees, initiates, wavelength, eigenvalue,
        coefficient, equation, equations, mathematician, mathematicians, theorem"""
    ),
    # HTML <meta> elements: only right next to the name ("Meta descriptions").
    "web": _words(
        """^description, ^descriptions, ^tag, ^tags, ^title, ^titles, ^keywords, ^data,
        ^information, ^robots, ^element, ^elements, ^attribute, ^attributes"""
    ),
    # Team sports: the Atlanta Falcons, the Tennessee Titans, a midfielder called "the Oracle".
    "sport": _words(
        """nfl, quarterback, quarterbacks, touchdown, touchdowns, linebacker, wide receiver,
        playoff, playoffs, super bowl, head coach, kickoff, roster, draft pick, nba, mlb,
        nhl, rugby, footballer, goalkeeper, midfielder, striker, innings, wicket, stadium"""
    ),
    # Rock and what is dug into it ("granite bedrock", "the Flintstones' town of Bedrock").
    "geology": _words(
        """granite, basalt, sandstone, shale, sediment, sediments, soil, soils, geologist,
        geologists, geological, quarry, quarries, excavation, boreholes, aquifer,
        groundwater, earthquake, seismic, tectonic, flintstones, flintstone"""
    ),
    "person": _words(
        """actress, actor, singer, songwriter, painter, novelist, sculptor, photographer,
        premiere, married,
        obituary, funeral, survived by, poet, composer, pianist, violinist, playwright,
        ballerina, dancer, skier, impressionist, impressionism, giverny, canvases, crooner"""
    ),
}

TECH = _words(
    """ai, a.i., artificial intelligence, software, app, apps, platform, platforms, cloud,
    data, api, apis, developer, developers, code, coding, online, digital, tech, technology,
    technologies, company, companies, startup, start-up, users, customers, model, models,
    llm, llms, chatbot, chatbots, assistant, assistants, agent, agents, prompt, prompts,
    search, device, devices, smartphone, iphone, android, computer, laptop, server,
    servers, service, services, product, products, integration, integrations,
    subscription, feature, features, ceo, billion, shares, stock, investors, partnership,
    open-source, open source, gpu, gpus, chip, chips, browser, web, website, internet,
    email, account, launched, announced, released, update, users, tool, tools, automation,
    workflow, api key, tokens, benchmark, inference, training, fine-tuned, engine,
    generative, machine learning, neural, chat, smart, wearable, streaming, e-commerce,
    ecommerce, seller, sellers, marketplace, retailer, prime, store, shopping, analytics,
    ads, advertising, marketing, social media, linux, workload, workloads, devops, saas"""
)


# Collocations that say what kind of thing a name is, for the `follow` tokens of the
# watchlist and the rules of extractors/senses_resolver.py.

# "<org>": a role or part of an organisation right after the name makes it the organisation
# ("an Amazon spokesperson", "Apple shareholders", "the Oracle board").
ORG_NOUNS = _words(
    """spokesperson, spokespersons, spokesman, spokeswoman, spokespeople, executive,
    executives, exec, execs, engineer, engineers, employee, employees, staff, staffer,
    staffers, workers, shareholder, shareholders, stockholders, investors, board, boardroom,
    subsidiary, subsidiaries, ceo, cfo, cto, coo, chief, chairman, chairwoman, president,
    cofounder, co-founder, cofounders, co-founders, founder, founders, researchers,
    scientists, headquarters, hq, campus, offices, stock, shares, earnings, revenue, profits,
    valuation, lawyers, attorneys, lobbyists, recruiters, insiders, veterans, alumni,
    management, leadership, spokesperson's, inc, corp, corporation, ltd, llc, plc, gmbh"""
)  # (and a legal form: "Perplexity Inc.", "Apple Inc.")

# "<model>": a word for a model of its own right after the name makes it the product
# ("Llama models", "Mistral weights", "the Gemini model").
MODEL_NOUNS = _words(
    """model, models, weights, checkpoint, checkpoints, llm, llms, chatbot, chatbots,
    family of models, model family, model's, models'"""
)

# "<command>": a voice assistant or chatbot addressed by its name: "ask Alexa to …",
# "tell Alexa to …" (the words right before it), and "Alexa, play …" (the word right after
# its comma).
COMMANDS = _words("""ask, tell, asking, telling""")
COMMAND_OBJECTS = _words("""to, about, for, if, whether, what, how, when, where""")
COMMAND_VERBS = _words(
    """play, turn, set, stop, pause, resume, call, open, show, remind, read, add, order,
    start, tell, ask, what's, what, how's, how, find, search, switch, lock, unlock, dim,
    shuffle, skip, reorder, cancel, buy, book, wake, help, send, summarise, summarize,
    write, explain, translate, draft, list"""
)

# Capitalised words that, right after a name, make it the name of another organisation or a
# place: "Apple Bank", "Oracle Energy", "Titan Pharmaceuticals", "Alphabet City". A compound the
# watchlist lists ("Crusoe Energy", an alias; "Apple Health", "Oracle Health", in `follow`)
# is the entity's own.
ORGANISATIONS = frozenset(
    """Bank, Bancorp, Bankshares, Savings, Credit, Financial, Finance, Capital, Equity,
    Investments, Insurance, Assurance, Holdings, Partners, Energy, Power, Petroleum, Oil,
    Gas, Mining, Minerals, Resources, Metals, Steel, Chemicals, Foods, Food, Beverages,
    Brewing, Brewery, Winery, Vineyards, Farms, Orchards, Bakery, Restaurant, Restaurants,
    Cafe, Health, Healthcare, Medical, Clinic, Clinics, Hospital, Pharmaceuticals, Pharma,
    Therapeutics, Biosciences, Biotech, Dental, Realty, Properties, Homes, Construction,
    Motors, Automotive, Airlines, Airways, Aviation, Shipping, Freight, Hotel, Hotels,
    Resorts, Casino, Apparel, Fashion, Cosmetics, Beauty, Legal, Law, Academy, College,
    Observatory, Theatre, Theater, Gallery, Museum, Church, Society, Club, City, Town,
    Street, Avenue, Road, Square, Island, Islands, Lake, Valley, County, Bay, Beach, Corps,
    Records, Commission, Council, Association, Federation, Growers, Festival, Company,
    Entertainment, Media, Studios, Productions, Publishing, Radio, Television,
    Broadcasting""".replace(",", " ").split()
)

# In an appositive right after a name ("Mistral, the Paris-based start-up, …"), words that
# keep it the entity; an appositive of lower-case words without one of them defines another
# sense ("The Oracle, a fortune-teller in the film, …", "Nova, a six-year-old border collie").
APPOSITIVE_OWN = _words(
    """company, companies, firm, firms, startup, start-up, group, maker, makers, giant,
    giants, lab, labs, laboratory, developer, developers, provider, providers, retailer,
    conglomerate, business, platform, service, services, rival, rivals, competitor, owner,
    parent, unit, subsidiary, corporation, chatbot, assistant, model, models, app, software,
    tool, system, engine, product, products, brand, cloud, chipmaker, outfit, venture,
    unicorn, operator, vendor, supplier, partner, investor, backer, creator, publisher,
    owner, network, search, store, marketplace, ai"""
)


def _census(name: str) -> list[str]:
    # Each line: NAME, frequency, cumulative frequency, rank.
    text = resources.files("names").joinpath(name).read_text(encoding="utf-8")
    return [line.split(maxsplit=1)[0].capitalize() for line in text.splitlines() if line]


@cache
def given_names() -> frozenset[str]:
    """Given names, capitalised ("Claude", "Alexa", "Fiona")."""
    return frozenset(_census("dist.male.first")) | frozenset(_census("dist.female.first"))


def surnames() -> frozenset[str]:
    """Surnames, capitalised ("Monet", "Chung", "Crosby"). Read at each call: the tagger keeps
    them in a compact form of its own (extractors/senses_resolver.py), in the user's cache
    under the `names` package's version: a change to what this returns must change that
    cache name too (`_surnames_upper`), or workers keep reading the old set."""
    return frozenset(_census("dist.all.last"))
