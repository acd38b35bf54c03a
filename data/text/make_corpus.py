"""Write data/text/topics.tsv, the course's small topic-classification corpus.

All the text below was written by hand for this course (MIT licence, like the
repository): 120 short sentences for each of four topics. Each sentence is one
row of the corpus, exactly once, with the topic it was written for. Some of them
carry words of another topic on purpose ("The match was stopped for an hour
because of heavy rain." is a sports sentence), so that a classifier meets mixed
cues.

The split is stratified by topic: a seeded ``random.Random`` shuffles each
topic's 120 sentences and deals them out 80 / 20 / 20 to ``train``, ``val`` and
``test``, so every sentence is in exactly one split and a held-out sentence is
really unseen. The rows are then shuffled (with the same generator) and written.

    python data/text/make_corpus.py          # (re)write topics.tsv
    python data/text/make_corpus.py --check  # exit 1 if topics.tsv differs from what it would write

The file has a header and three tab-separated columns, ``split``, ``label`` and
``text``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "topics.tsv"
TOPICS = ("sports", "food", "technology", "weather")
PER_TOPIC = 120
SPLIT_SIZES = {"train": 80, "val": 20, "test": 20}
SEED = 11

SPORTS = """
The striker scored twice in the second half.
Our goalkeeper saved a penalty in the last minute.
The coach made three substitutions after the break.
She ran the marathon in just under three hours.
The home team lost the final on penalties.
He has trained at the swimming pool every morning since March.
The referee showed a red card to the captain.
Tickets for the derby sold out within an hour.
The tennis match went to a fifth set.
Our basketball team needs a taller center.
The cyclist crashed on the last descent but still finished.
They won the league without losing a single game.
The boxer retired after twenty years in the ring.
I joined a running club to get ready for the race.
The fans sang for the whole ninety minutes.
Her serve is the fastest on the women's tour.
The relay team dropped the baton on the final leg.
The club signed a young midfielder from Brazil.
He broke the national record in the long jump.
The players celebrated the title with their supporters.
Our volleyball practice starts at six tonight.
The goal was ruled out for offside.
She won gold in the hundred meters.
The rugby season opens next weekend.
The manager was sacked after five defeats in a row.
The golfer sank a long putt on the eighteenth hole.
My brother plays hockey on Saturday mornings.
The swimmer touched the wall just ahead of her rival.
Both teams scored in the first ten minutes.
The skier missed a gate and was disqualified.
We watched the cricket final at my uncle's house.
The injury will keep the defender out for a month.
The champion defended her title in straight sets.
The stadium holds more than sixty thousand people.
He hit a home run in the ninth inning.
The team doctor says the knee is not broken.
Our coach wants us to work on our passing.
The race was decided by a sprint to the line.
The underdogs knocked the favourites out of the cup.
She has climbed to number three in the world rankings.
The keeper could not hold the shot.
I practice my free throws for an hour every day.
The match ended in a goalless draw.
They trained hard all summer for the tournament.
The winger crossed and the striker headed it in.
The Olympic trials start in two weeks.
He lifted two hundred kilos in the final round.
The umpire called the ball out.
Our team is top of the table at Christmas.
The runner pulled a hamstring at the halfway mark.
The captain lifted the trophy in front of the fans.
We lost by a single point after extra time.
The young sprinter beat the world champion.
The coach told us to defend deeper in the second half.
She finished the triathlon in fourth place.
The pitcher threw a perfect game last night.
Our school team reached the regional final.
The goal came from a corner in the dying seconds.
He has not missed a training session all year.
The fight was stopped in the third round.
The club is building a new training ground.
The home crowd booed the referee at half time.
She swam four lengths without stopping.
The horse won the race by three lengths.
We need two wins from the last three games.
The captain was injured in the warm-up.
The player was banned for three matches.
The ball hit the post and bounced out.
The team bus arrived just before kick-off.
I score more goals when I play up front.
The transfer fee was a club record.
The goalkeeper was named player of the match.
He has played every minute of the season.
The final lap was the fastest of the race.
They beat the champions for the first time in a decade.
The league will use a new ball next season.
She won the singles and the doubles.
The chess champion defended his crown.
Our defence let in four goals.
The wrestlers weigh in the day before the bout.
The penalty shoot-out went to sudden death.
He came off the bench and scored the winner.
The team has not won away from home this year.
The marathon route passes the old harbour.
The climbers reached the summit before noon.
She kicked the ball over the bar from close range.
The coach praised the players for their effort.
Our rowing crew trains on the river at dawn.
The athletes marched into the stadium for the opening ceremony.
The semi-final will be played on neutral ground.
The match was stopped for an hour because of heavy rain.
Strong wind made every long pass hard to control.
The marathon went ahead despite the heat.
The players cooled down with ice baths after the game.
Snow covered the pitch, so the game was postponed.
The tournament moved indoors when the storm arrived.
Fans can now watch every match live on the club's app.
The referee checked the video replay before giving the goal.
The coach studies the data from every session on a laptop.
The team's new software tracks how far each player runs.
The players ate pasta the night before the final.
The cyclists grabbed bananas and water at the feeding station.
The club sold pies and hot drinks to the cold fans.
The boxer has to lose two kilos before the fight, so no dessert.
It was not a cold night, but the crowd was small.
The sun was in the keeper's eyes when the shot came in.
The race was cancelled after lightning struck near the course.
They played the final in fog and nobody could see the ball.
We trained in the rain because the gym was closed.
The stadium screen showed the replay of the foul.
The new racket is lighter and made of carbon.
The sponsor's logo on the shirt lights up at night.
She never eats before a race, only a little honey.
The umpires stopped play when it got too dark.
The wind helped the runners on the back straight.
The striker has not scored since the winter break.
Our keeper is not tall, but he is very quick.
The team lost even though they had more of the ball.
The fans queued for hours to see the new signing.
Her second serve let her down in the final set.
"""

FOOD = """
I baked bread with a little honey and sea salt.
This soup needs more garlic and a pinch of pepper.
The new restaurant serves the best noodles in town.
We had grilled fish with lemon and rice for dinner.
She makes her own pasta every Sunday.
The cake was too sweet for my taste.
Add the onions and fry them until golden.
The bakery on the corner sells fresh croissants.
My grandmother's curry recipe uses six different spices.
The waiter recommended the mushroom risotto.
Chop the tomatoes and mix them with olive oil.
He drinks a strong coffee before breakfast.
The cheese plate came with grapes and crackers.
We ordered dumplings and a bowl of spicy broth.
Let the dough rest for an hour before baking.
The chef added too much salt to the sauce.
I prefer my eggs scrambled with butter.
The market sells cheap vegetables on Fridays.
This chocolate is made with very little sugar.
They serve breakfast until noon on weekends.
The steak was cooked exactly the way I like it.
Roast the carrots with cumin and a little oil.
My favourite snack is apples with peanut butter.
The menu has three vegetarian dishes.
She brought homemade lemonade to the picnic.
Boil the potatoes for twenty minutes, then mash them.
The pizza had a thin crust and fresh basil.
We tried a tasting menu with seven courses.
The sushi was fresh but the rice was too hard.
I burned the pancakes again this morning.
The stew tastes better the next day.
Stir the milk into the flour slowly to avoid lumps.
He is learning to cook Thai food.
The restaurant was full, so we got takeaway.
Dessert was a warm apple pie with cream.
Season the chicken and leave it overnight.
This salad needs a sharper dressing.
The bread at this cafe is baked every morning.
My sister does not eat meat or fish.
The kitchen smelled of cinnamon and oranges.
Whisk the eggs with sugar until pale.
We shared a plate of tacos with beans and salsa.
The lunch special is a burger with chips.
He always orders the same thing at the diner.
I make yogurt at home with whole milk.
The tea was too bitter after ten minutes.
Fry the rice with egg and spring onions.
This bakery's sourdough has a thick crust.
We ran out of flour halfway through the recipe.
Her lasagne has three kinds of cheese.
The waiter forgot our drinks twice.
Marinate the tofu in soy sauce and ginger.
The peaches at the market are perfectly ripe.
Grate some lemon zest over the fish.
The buffet had more desserts than main courses.
I ate too many cookies after dinner.
The chef tastes every sauce before it leaves the kitchen.
Slice the mushrooms thinly and cook them in butter.
We had dinner at a small Greek place by the station.
The hot chocolate came with marshmallows.
My dad makes the best roast potatoes.
The curry was not spicy at all.
Simmer the beans for two hours.
The bill for dinner was higher than we expected.
She packs a sandwich and an apple for lunch.
Pour the batter into a greased tin.
The new cafe has cheap coffee and slow service.
This cheese is aged for eighteen months.
He put too much vinegar in the salad.
Bake the cookies for twelve minutes.
The soup was bland until I added some chilli.
We ate oysters for the first time in Paris.
The dumplings are filled with pork and cabbage.
Breakfast was porridge with berries and a spoon of jam.
Knead the dough for ten minutes.
Our neighbour grows herbs for her cooking.
The noodles were overcooked and sticky.
The restaurant only uses vegetables from local farms.
I added a pinch of nutmeg to the sauce.
The pie crust was crisp and buttery.
Grill the peppers until the skin turns black.
This recipe feeds four hungry people.
The ice cream shop has forty flavours.
My mum never measures the spices.
Serve the rice with a fried egg on top.
The bread went stale after two days.
The pasta sauce needs to simmer for an hour.
We had a barbecue with sausages and corn.
The onion rings were greasy but tasty.
I like my toast with butter and marmalade.
On hot days we eat cold noodles with cucumber.
Soup is what I want when it is freezing outside.
The ice cream melted before we got home.
We drank hot cider around the fire on a snowy evening.
The picnic was ruined by the rain, but the sandwiches were great.
Too hot to cook, so it is salad again tonight.
We ordered the pizza through an app and it came in twenty minutes.
The recipe video on my phone kept freezing, so I guessed the rest.
I found this cake recipe on a cooking website.
The restaurant's online menu shows every allergen.
The team ate burgers on the bus after the game.
A good breakfast before the race is oats and bananas.
The stadium hot dogs were cold and expensive.
The players' favourite pasta is on the menu tonight.
The tomatoes did not ripen because the summer was cold.
The frost killed the herbs in our garden, so I buy basil now.
The oven timer beeps when the bread is ready.
The smell of fresh coffee woke me up.
This cake is not as sweet as it looks.
The cook burned the garlic, so the whole dish tasted bitter.
We could not finish the huge portion of fries.
I need eggs, butter and flour for the cake.
The spicy wings made my eyes water.
The kids helped me roll the pastry.
The dinner was lovely, although the dessert was late.
He prefers green tea to coffee.
The soup at the corner cafe is thick and cheap.
She fried the dumplings until the bottoms were crisp.
The pancakes were light and fluffy.
We cooked a big pot of chilli for the party.
"""

TECHNOLOGY = """
My laptop battery barely lasts two hours now.
The update fixed the bug that crashed the app.
She wrote a script to back up her photos every night.
The new phone has a better camera and a bigger screen.
Our office switched to a faster internet connection.
The website was down for maintenance all morning.
He is learning Python to analyse data at work.
The printer keeps jamming on double-sided pages.
I reset my password because I forgot the old one.
The company released a cheaper version of its tablet.
This keyboard has a light for typing in the dark.
The server ran out of memory during the upload.
My headphones connect over Bluetooth.
The router needs to be restarted every few days.
They trained a neural network on millions of images.
The game console gets very hot if you leave it on all night.
Please install the security patch before Friday.
The smartwatch counts my steps and checks my sleep.
Our team moved the database to the cloud.
The video call kept dropping because of a weak signal.
I bought an external drive for my backups.
The chip in this phone is twice as fast as the old one.
Open the settings and turn on two-factor login.
The engineer fixed the problem in ten minutes.
The screen cracked when I dropped my phone.
A robot vacuum cleans our floors while we are out.
The app asks for access to my contacts.
We use a shared calendar to plan our meetings.
The download stopped at ninety percent.
The new operating system uses less battery.
He builds his own computers from parts.
The virus spread through an email attachment.
My old tablet cannot run the latest apps.
The search engine shows ads at the top.
The electric car gets software updates overnight.
The drone streams video straight to your phone.
She codes in the evenings and sells her apps online.
Open source tools power most of the web.
This charger works with both of my devices.
The GPU made training the model ten times faster.
The spreadsheet crashed and I lost an hour of work.
Our website loads in under a second now.
The hackers stole millions of passwords.
I turned off notifications for most apps.
The new laptop has no ports except two USB-C.
The compiler found three errors in my code.
He streams games to thousands of viewers.
The cloud storage is almost full.
The mouse stopped working after the update.
My phone does not recognise my fingerprint anymore.
The startup is building a chatbot for banks.
The file is too large to send by email.
She upgraded the memory in her desktop.
The programmers meet every morning to plan the day.
Scan the code with your phone to pay.
The battery swelled and the case cracked open.
This app translates menus from a photo.
The smart speaker answers questions about the news.
The team wrote tests before changing the code.
Our backup server is in another city.
My tablet takes forever to start.
The company laid off half of its engineers.
The monitor flickers when the cable is loose.
He forgot to save the document before the crash.
The satellite sends pictures back every hour.
The new update added a dark mode.
The program runs faster on a solid-state drive.
They replaced the old network cables with fibre.
The camera app freezes when I zoom in.
The printer is out of ink again.
Our school gave every student a laptop.
I use a password manager for all my accounts.
The robot arm assembles cars without stopping.
The algorithm recommends videos I might like.
The keyboard shortcut saves me a lot of time.
This website does not work in older browsers.
The phone's storage is full of old videos.
My computer makes a loud noise when it starts.
The engineers found a memory leak in the server.
The new version of the app is much slower.
Data centres use huge amounts of electricity.
My phone died in the cold after twenty minutes.
The heat wave made the cooling in the data centre fail.
Lightning hit the building and destroyed our router.
The weather app crashed right when I needed it.
Rain got into my phone and now the speaker crackles.
The solar panels send their data to an app every minute.
The food delivery app crashed during the lunch rush.
The smart fridge orders milk when it runs out.
The restaurant replaced its paper menus with tablets.
The coffee machine at work now has its own app.
The fitness tracker syncs my runs to my laptop.
The stadium's wifi could not handle sixty thousand phones.
The video game has a realistic football mode.
The club's website crashed when tickets went on sale.
The team uses sensors to measure how hard each player trains.
I read the recipe on my tablet while I cook.
The satellite images help forecasters track storms.
The laptop gets so hot in summer that it slows down.
The cold morning drained my car's battery.
The smartphone was not as fast as the ads promised.
I do not trust apps that ask for my location.
The website is not broken, it is just very slow.
The error message did not explain anything.
The robot can climb stairs and open doors.
My grandfather finally learned to send text messages.
The new chip uses half the power of the old one.
The touchscreen does not respond when my fingers are wet.
The tablet's battery lasts all day.
The program stopped with an out of memory error.
I plugged in the cable but nothing happened.
The headset makes virtual reality games feel real.
The code review found a bug in the login page.
The laptop fan is louder than the music.
The printer in the library only works with the new app.
We moved all our files to a shared drive.
The app asks me to update it every week.
Her new laptop boots in five seconds.
The network was down, so nobody could log in.
The cable company raised the price of internet again.
"""

WEATHER = """
It rained all night and the streets are flooded.
Tomorrow will be sunny with a light breeze.
Heavy snow closed the mountain roads.
The temperature dropped below zero overnight.
A thunderstorm is expected this afternoon.
The fog was so thick we could barely see the road.
It has been the hottest summer on record.
Strong winds knocked down trees across the city.
Bring an umbrella, showers are likely later.
The forecast says clouds will clear by the evening.
Frost covered the car windows this morning.
The humidity makes the heat hard to bear.
A hurricane is moving toward the coast.
We had hail the size of marbles yesterday.
Spring arrived early with mild sunny days.
The river rose after a week of rain.
Expect icy patches on the roads tonight.
The wind chill makes it feel like minus ten.
There is a heat warning for the whole region.
The sky turned dark and the thunder started.
Autumn brings cool mornings and warm afternoons.
It drizzled on and off all day.
The drought has lasted three months.
Snow is forecast for the weekend.
A rainbow appeared after the storm passed.
The monsoon usually starts in June.
Temperatures will climb to thirty-five degrees.
The lake froze over for the first time in years.
Gusts of up to ninety kilometres an hour are expected.
The morning was grey and chilly.
The storm brought down power lines in the valley.
It is too windy to open an umbrella.
The snow melted quickly in the afternoon sun.
A cold front will move in from the north.
The clouds cleared and the stars came out.
The summer was dry and the grass turned brown.
Light rain will spread from the west tonight.
It was so cold that the pipes froze.
The typhoon forced thousands to leave their homes.
We woke up to a thick layer of snow.
The air was heavy and still before the storm.
The forecast is for sunshine all week.
Flash floods are possible in low areas.
The temperature will stay around twenty degrees.
Mist hung over the fields at sunrise.
The blizzard lasted two days.
It has not rained here since April.
Tonight will be clear and frosty.
The heat made the roads soft.
Rain is expected on Sunday afternoon.
The wind turned and the air got colder.
The winter was milder than usual.
Thunder rolled across the hills all evening.
A tornado touched down near the farm.
The sleet turned to snow after midnight.
The sun finally came out after a week of rain.
The coast will see high waves and strong gusts.
It was a warm, humid night.
The weather service issued a flood warning.
Showers will clear to sunny spells.
The ground is too frozen to dig.
The hottest day of the year is forecast for Tuesday.
Dark clouds gathered over the mountains.
The drizzle soaked us on the way home.
The ice on the pond is too thin to walk on.
The breeze from the sea kept the town cool.
The first frost of autumn came early this year.
The storm is expected to weaken overnight.
It snowed in the desert for the first time in decades.
A heat dome is sitting over the whole country.
The rain did not stop for three days.
Low clouds hid the top of the tower.
It will be cloudy with a chance of rain.
The wind blew the roof off the shed.
Morning fog will lift by ten o'clock.
Temperatures fell by fifteen degrees in an hour.
The sky was clear blue all weekend.
The hurricane season starts in June.
Hailstones dented the cars in the car park.
The spring rains came late this year.
It is not as cold today as the forecast said.
The storm knocked out the power, and our phones died.
The weather app warns about storms two days ahead.
The radar shows a band of rain moving east.
Satellites watched the hurricane grow over the ocean.
The forecast models disagree about next week.
The rain washed out the picnic, so we went home hungry.
It was too hot to eat anything but ice cream.
The heat turned the milk sour in a few hours.
The frost ruined the apple harvest.
The match was called off, and the snow kept falling all night.
The heat was so bad that the tennis final moved to the evening.
The wind was strong enough to blow the runners backwards.
The golf course flooded after the heavy rain.
It was not sunny at all, despite the forecast.
Clouds will not clear until late tomorrow.
The night was calm, with no wind at all.
The rain turned to snow on the high ground.
A dry wind blew from the desert all week.
The wettest month of the year is usually November.
The snow was deep enough for the children to build a snowman.
The dew on the grass sparkled in the early sun.
The temperature barely rose above freezing.
The summer storms here are short but violent.
It felt warm in the sun but cold in the shade.
The wind howled around the house all night.
The haze from the fires made the sun look orange.
We sheltered under a tree until the shower passed.
Rain is likely in the north, while the south stays dry.
The heatwave is expected to break this weekend.
There was frost on the grass but the sky was clear.
The rain gauge filled up in one afternoon.
A warm wind melted the snow in a single day.
The clouds rolled in from the sea after lunch.
The cold snap lasted for two weeks.
The forecast says the storm will miss us.
Lightning lit up the whole sky.
It poured just as we left the house.
The first snow of the year fell on the hills.
A sea breeze cooled the beach in the afternoon.
"""



def sentences(block: str) -> list[str]:
    """The non-empty lines of a block, stripped."""
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def check_sentences(by_topic: dict[str, list[str]]) -> None:
    """Raise ValueError if a topic has the wrong count, or a sentence is duplicated or malformed."""
    seen: dict[str, str] = {}
    for topic, texts in by_topic.items():
        if len(texts) != PER_TOPIC:
            raise ValueError(f"{topic}: {len(texts)} sentences, expected {PER_TOPIC}")
        for text in texts:
            if not text.isascii() or "\t" in text or not text[0].isupper() or text[-1] != ".":
                raise ValueError(f"{topic}: malformed sentence {text!r}")
            if not 4 <= len(text.split()) <= 14:
                raise ValueError(f"{topic}: {len(text.split())} words in {text!r}")
            if text.lower() in seen:
                raise ValueError(f"duplicate sentence in {seen[text.lower()]} and {topic}: {text!r}")
            seen[text.lower()] = topic


def rows() -> list[tuple[str, str, str]]:
    """(split, label, text) for every sentence, in the file's order."""
    by_topic = dict(zip(TOPICS, map(sentences, (SPORTS, FOOD, TECHNOLOGY, WEATHER))))
    check_sentences(by_topic)
    rng = random.Random(SEED)
    out = []
    for topic in TOPICS:
        texts = list(by_topic[topic])
        rng.shuffle(texts)  # stratified: each topic is dealt out 80 / 20 / 20 on its own
        start = 0
        for split, size in SPLIT_SIZES.items():
            out += [(split, topic, text) for text in texts[start : start + size]]
            start += size
    rng.shuffle(out)
    return out


def tsv_text() -> str:
    """The whole file: a header line, then one tab-separated row per sentence."""
    lines = ["split\tlabel\ttext"] + ["\t".join(row) for row in rows()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = tsv_text()
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.name}: {'up to date' if same else 'DIFFERS from what this script writes'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {OUT.name}: {text.count(chr(10)) - 1} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
