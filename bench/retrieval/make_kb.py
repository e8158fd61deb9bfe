"""Writes bench/retrieval/kb/articles.json: one help-centre article per Banking77 intent for the
fictional "Larkspur" card-and-app bank. Texts written for this benchmark (no dataset wording).

    cd /work/main && .venv/bin/python bench/retrieval/make_kb.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BASE = "https://help.larkspur.example/articles/"

ARTICLES: dict[str, tuple[str, str]] = {
"card_arrival": ("My new card hasn't arrived yet",
"Cards are posted within one working day of your order and normally reach UK addresses in 3 to 5 working days; other European addresses can take up to 10. The envelope is plain, so check any unopened post.\n\n"
"To see where your card is, open Cards > Card status: it shows the order date, dispatch date and delivery address. If it still hasn't turned up after 10 working days, or the address was wrong, tap Report not received. We cancel the missing card and send a replacement free of charge."),
"card_linking": ("Linking a card you already have to the app",
"If you received a card, or found one you had reported as missing, you can connect it to your profile yourself. Go to Cards > Add existing card, enter the last four digits and the expiry date, then confirm with your passcode.\n\n"
"A card that was frozen can be unfrozen from the same screen. If you already reported it lost or stolen, that card is permanently blocked and cannot be linked again: use the replacement we sent instead. Once linked, the card shows up in the app and you can manage it there."),
"exchange_rate": ("Which exchange rate do you use?",
"When you exchange money in the app or pay in a foreign currency, we use the live interbank rate, updated continuously during market hours. You can see the current rate for any currency pair on the Exchange screen before you confirm.\n\n"
"At weekends, when markets are closed, a small mark-up applies to protect against price moves; the rate you are quoted already includes it. Card payments use the rate at the time the merchant settles the payment, which can differ slightly from the rate when you paid."),
"card_payment_wrong_exchange_rate": ("I was charged the wrong exchange rate on a card payment",
"If a purchase abroad cost more than you expected, remember that card payments are converted when the merchant settles the transaction, which can be a day or two after you paid, so the rate may have moved. Weekend payments also include a small mark-up.\n\n"
"Check whether the shop or terminal offered to charge you in pounds: if you accepted, the merchant chose its own, often poor, rate and we cannot change it. Always choose to pay in the local currency. If you still think our rate was wrong, send us the payment details from the app chat."),
"extra_charge_on_statement": ("There is an extra charge on my statement I don't understand",
"Small unexpected fees usually come from one of these: a weekend exchange mark-up, a cash machine withdrawal above your free monthly allowance, a card top-up fee, a plan fee, or a temporary hold placed by a hotel, petrol station or car rental company.\n\n"
"Tap the transaction in the app to see what it is for and whether it is still pending. Temporary holds disappear by themselves within a few days. If the fee still looks wrong, contact us in the chat and we will look into it and refund anything charged by mistake."),
"pending_cash_withdrawal": ("My cash withdrawal is still pending",
"When you take cash from an ATM the amount is reserved straight away and the withdrawal shows as pending until the machine's bank confirms it. This normally takes one to three working days, sometimes up to a week abroad.\n\n"
"You don't need to do anything. If the machine did not give you the money, the pending amount is released automatically once the ATM operator confirms the failure. If the withdrawal is still pending after 7 days, contact us in the chat."),
"fiat_currency_support": ("Which currencies can I hold and exchange?",
"Your account can hold balances in more than 30 currencies, including pounds, euros, US dollars, Swiss francs, Japanese yen, Australian and Canadian dollars, Polish zloty and the Nordic currencies. You can exchange between any of them in the app.\n\n"
"Open Accounts > Add currency to create a new balance. Some currencies can be exchanged and spent but not held, and we do not support cryptocurrencies. The full list of supported currencies is shown on the Exchange screen."),
"card_delivery_estimate": ("How long does card delivery take?",
"Standard delivery is free: we post your card within one working day and it usually arrives in 3 to 5 working days in the UK and up to 10 working days elsewhere in Europe.\n\n"
"Need it sooner? Choose express delivery when you order. It costs a small fee, is sent by courier and arrives in 1 to 2 working days with a tracking link. You can see the estimated delivery date for your order under Cards > Card status."),
"automatic_top_up": ("Setting up automatic top-up (auto top-up)",
"Auto top-up adds money to your account by itself whenever your balance drops below an amount you choose, so you never run short while paying. Go to Account > Top up > Auto top-up, pick the trigger balance, the amount to add and the card to charge.\n\n"
"You can change the amounts or switch auto top-up off at any time from the same screen. If the top-up card is declined, auto top-up pauses and we send you a notification."),
"card_not_working": ("My card isn't working",
"If your card stops working, first check in the app that it is not frozen, that it has been activated, that it has not expired and that you have enough balance. Also check whether the type of payment (online, ATM, contactless, abroad) is switched off under Cards > Security.\n\n"
"A scratched or bent chip can also stop a card from being read: if payments fail everywhere, order a replacement from the app. If the card still fails, contact us with the time and place of the attempt."),
"exchange_via_app": ("How do I exchange currency in the app?",
"Open the app and tap Exchange. Choose the currency you want to sell and the one you want to buy, enter the amount and check the rate and any fee shown, then confirm. The money appears in your other currency balance instantly.\n\n"
"You can also set a target rate and the exchange will happen automatically when the market reaches it. Exchanges can be made at any time, including weekends, though a weekend mark-up applies."),
"lost_or_stolen_card": ("My card has been lost or stolen",
"Freeze or cancel the card right away in the app: Cards > select the card > Report lost or stolen. This blocks it immediately so nobody else can use it. If you think you only misplaced it, freeze it instead; you can unfreeze it when you find it.\n\n"
"After reporting, order a replacement from the same screen; it arrives in a few working days. Check your recent transactions and tell us about any payment you didn't make so we can dispute it."),
"age_limit": ("How old do I have to be to open an account?",
"You must be 18 or older to open a standard Larkspur account in your own name. We check your date of birth as part of verifying your identity.\n\n"
"Younger customers can use a Junior account: a parent or guardian with a Larkspur account can open one for a child aged 7 to 17 from their own app and stay in control of spending and top-ups. At 18 the Junior account can be upgraded to a full account."),
"pin_blocked": ("My PIN is blocked",
"If the wrong PIN is entered three times in a row, the PIN is blocked to protect your card. Card payments that need a PIN and cash withdrawals won't work until you unblock it.\n\n"
"To unblock it, open Cards > Security > Unblock PIN in the app. You can view your PIN there too if you have forgotten it. Some cash machines also need you to use the card once with the correct PIN at an ATM in your home country before it works everywhere again."),
"contactless_not_working": ("Contactless payments aren't working",
"For security, the first payment with a new card must be made with chip and PIN; contactless works after that. There is also a limit on each contactless payment and a number of contactless payments in a row after which the terminal asks for your PIN.\n\n"
"Check that contactless is switched on under Cards > Security. If the terminal still won't read the card, insert it and use your PIN, or pay with Apple Pay or Google Pay. If contactless never works, the card's antenna may be damaged, so order a replacement."),
"top_up_by_bank_transfer_charge": ("Is there a fee for topping up by bank transfer?",
"Adding money by bank transfer is free. We don't charge anything when you send money from your own bank account to your Larkspur account details, in pounds or euros.\n\n"
"Your own bank may charge for sending the transfer, especially for international or SWIFT payments, and an intermediary bank may deduct a fee along the way. If less money arrived than you sent, check with the sending bank."),
"pending_top_up": ("My top-up is pending",
"Most card top-ups are instant, but sometimes the card issuer needs extra time to approve the payment and the top-up shows as pending. This usually clears within a few minutes, occasionally up to a few hours.\n\n"
"Bank transfer top-ups can take up to one working day, longer if sent at the weekend. You don't need to try again: topping up twice may leave two amounts reserved. If the top-up is still pending after 24 hours, contact us in the chat."),
"cancel_transfer": ("Can I cancel a transfer?",
"A transfer can be cancelled only while it is still pending or scheduled. Open the transfer in your transactions and tap Cancel transfer; if the button is there, the money comes straight back.\n\n"
"Once a transfer has been completed it cannot be reversed by us. If you sent money to the wrong person or account, contact us quickly in the chat: we will ask the receiving bank to return the funds, but we can't guarantee it. You can also ask the recipient to send the money back."),
"top_up_limits": ("How much can I top up?",
"You can top up to 10,000 GBP in a single card top-up, and there is a rolling limit on card top-ups over a 30-day period. The maximum account balance depends on your plan and verification level.\n\n"
"There is no limit on the number of top-ups, and bank transfers in have higher limits than card top-ups. You can see your remaining top-up allowance in the app under Account > Limits."),
"wrong_amount_of_cash_received": ("The ATM gave me the wrong amount of cash",
"If a cash machine gave you less money than you asked for, or nothing at all, but your account was charged the full amount, we can help. Often the ATM operator notices the error and the difference is returned automatically within a few days.\n\n"
"If it isn't, open the withdrawal in the app, tap Report an issue and tell us the amount you actually received. We raise a dispute with the machine's bank and refund you once it is confirmed."),
"card_payment_fee_charged": ("Why was I charged a fee for a card payment?",
"Card payments in pounds and in most other currencies are free on all plans. A fee can appear on a card payment when you pay in a foreign currency at the weekend (a small exchange mark-up), when you go over your plan's monthly fair-usage allowance for currency exchange, or when the merchant itself adds a surcharge.\n\n"
"Tap the payment in the app to see the breakdown of any fee. If you think it was charged by mistake, message us."),
"transfer_not_received_by_recipient": ("The person I paid hasn't received my transfer",
"Transfers to UK accounts usually arrive within minutes, but some take up to one working day, and international transfers two to five working days. Check the transfer status in the app: if it says Completed, the money has left us.\n\n"
"Ask the recipient to check again and confirm the account details you used are right. If the details were correct and the money has still not arrived after the expected time, send us the transfer details and we will trace the payment with the receiving bank."),
"supported_cards_and_currencies": ("Which cards can I use to top up?",
"You can top up with most Visa and Mastercard debit and credit cards issued in your name, in many currencies. American Express cards are not supported, and neither are some prepaid cards.\n\n"
"If you top up in a currency other than your account currency, the amount is converted at our exchange rate. Credit card top-ups may be treated as a cash advance by your card issuer, who might charge you for it."),
"getting_virtual_card": ("How do I get a virtual card?",
"A virtual card is a card that exists only in the app, ideal for shopping online and for adding to Apple Pay or Google Pay. You can create one instantly: go to Cards > Add card > Virtual card and confirm.\n\n"
"It's free on all plans. The card number, expiry date and security code appear in the app right away, so you can use it before your physical card arrives. You can freeze or delete a virtual card at any time."),
"card_acceptance": ("Where can I use my card?",
"Your Larkspur card is a Mastercard debit card, so it is accepted online and in shops, restaurants and other places worldwide wherever Mastercard is shown.\n\n"
"A few types of merchants may refuse it, for example some car rental companies and hotels that require a credit card for a deposit, and some offline terminals on planes or toll roads. Gambling and some cryptocurrency merchants are also blocked. If a payment is refused, check the app for the reason."),
"top_up_reverted": ("My top-up was reversed",
"Sometimes a top-up appears in your balance and is then taken back. This happens when your card issuer later refuses the payment, or when our security checks can't confirm that the card belongs to you. The money is returned to the card you used, not lost.\n\n"
"Depending on your bank, the refund to your card can take up to 5 working days to show. Try topping up with a card in your own name, or by bank transfer. If it keeps happening, contact us in the chat."),
"balance_not_updated_after_cheque_or_cash_deposit": ("My balance hasn't updated after a cash or cheque deposit",
"Money paid in with cash or a cheque takes longer than other top-ups. Cash paid in at a partner post office or shop usually reaches your balance within 2 working days; cheques take about 5 working days to clear.\n\n"
"Keep your receipt. If the deposit still hasn't appeared after that time, send us a photo of the receipt in the chat with the date and amount, and we will track it down and add it to your balance."),
"card_payment_not_recognised": ("I don't recognise a card payment",
"First check the payment details in the app: merchants often trade under a different name from their shop, and the transaction screen shows the merchant's location and logo. Also ask anyone who might have used your card or saved it online.\n\n"
"If you still don't recognise it, freeze your card straight away, then tap the payment and choose I don't recognise this. We will cancel your card, send a new one and open a dispute to get your money back."),
"edit_personal_details": ("Changing my personal details",
"You can update most of your details in the app under Profile > Personal details: your address, email address and phone number.\n\n"
"To change your name (for example after marriage) or your date of birth, contact us in the chat and upload an official document showing the new details, such as your passport or a marriage certificate. Changing your address may require proof of address. Your card will need replacing if your name changes."),
"why_verify_identity": ("Why do I need to verify my identity?",
"As a regulated financial company we are required by law to know who our customers are. Checking your identity protects you from fraud and identity theft and helps us stop money laundering.\n\n"
"That's why we ask for a photo of an official ID and a selfie before you can use all features. We may ask again later, for example if your details change or your spending goes up. Your documents are stored securely and used only for these checks."),
"unable_to_verify_identity": ("I can't verify my identity",
"If verification keeps failing, make sure your document is valid and not expired, photograph it on a plain dark surface in good light with all four corners visible and no glare, and take the selfie without glasses or a hat.\n\n"
"Your name and date of birth in the app must match the document exactly. Check the app version is up to date. If the app still rejects your document, contact us in the chat: we can review your documents manually."),
"get_physical_card": ("Where do I find the PIN for my card?",
"For security we never send your PIN by post or email. Your PIN is in the app: go to Cards, select your physical card and tap Show PIN, then confirm with your passcode or fingerprint.\n\n"
"You can see it as many times as you need. If you'd like a PIN that is easier to remember, you can change it at any cash machine that offers PIN change. Virtual cards don't have a PIN."),
"visa_or_mastercard": ("Is my card Visa or Mastercard?",
"Larkspur cards are issued as Mastercard debit cards, both physical and virtual. In a few countries we also issue Visa cards, and the scheme is shown on the card itself and in the app under Cards > Card details.\n\n"
"It isn't possible to choose the network when you order. Both are accepted almost everywhere in the world, so the scheme doesn't change where you can pay."),
"topping_up_by_card": ("How do I top up with a card?",
"Tap Add money on the home screen, choose Debit or credit card, enter the amount and the card details, then confirm. The first time, your bank may ask you to approve the payment. Card top-ups are usually instant.\n\n"
"The card must be in your name. If a top-up fails, check the card details and that your bank allows the payment. Saved cards can be managed under Account > Top-up cards."),
"disposable_card_limits": ("Disposable virtual card limits",
"A disposable virtual card can be used for one payment only. After the payment goes through, the card details are deleted and a new card number is generated automatically, so the details can't be reused if they are stolen.\n\n"
"Disposable cards have the same spending limits as your account, but they can't be used for recurring payments, subscriptions or ATM withdrawals, and some merchants that take a deposit refuse them. Depending on your plan you can have a number of disposable cards each month."),
"compromised_card": ("I think my card details have been compromised",
"If you think someone has your card details, for example after a phishing message, a suspicious website or a data breach at a shop, freeze the card in the app straight away and then cancel it under Cards > Security.\n\n"
"Order a replacement card with a new number. Review your recent transactions and report any payment you didn't make so we can dispute it. We will never ask for your full card number, PIN or passcode by phone, message or email."),
"atm_support": ("Which ATMs can I use?",
"You can use your card at any cash machine in the world that displays the Mastercard or Maestro logo. We don't have our own machines.\n\n"
"Withdrawals are free up to your plan's monthly allowance; after that a small fee applies. Some ATM operators abroad charge their own fee, which the machine should show before you accept. When offered a conversion by the machine, choose to be charged in the local currency."),
"direct_debit_payment_not_recognised": ("I don't recognise a direct debit",
"Direct debits are set up by a company you have given permission to take payments from your account. The name on your statement may differ from the brand you know, so check the reference and the app's direct debit list under Payments > Direct debits.\n\n"
"If you still don't recognise it, you can cancel the direct debit from that screen. If money was taken wrongly, the Direct Debit Guarantee lets us refund it straight away: contact us in the chat."),
"passcode_forgotten": ("I forgot my app passcode",
"If you forget the passcode you use to log in to the app, tap Forgot passcode on the log-in screen. We send a code by text message to your phone number, and may ask for a selfie to confirm it's you; then choose a new passcode.\n\n"
"If you no longer have access to your phone number, contact us through the website and we will help you regain access. Never share your passcode with anyone, including our staff."),
"declined_cash_withdrawal": ("My cash withdrawal was declined",
"An ATM may refuse a withdrawal if you don't have enough money in your account, you entered the wrong PIN, the PIN is blocked, ATM withdrawals are switched off in your card security settings, or you reached your daily cash limit.\n\n"
"Some machines also refuse foreign cards or have a low limit of their own. Check the app: a declined withdrawal usually comes with a notification explaining why. Try another machine if the reason isn't with your account."),
"pending_card_payment": ("My card payment is pending",
"When you pay by card, the shop first reserves the amount and the payment shows as pending. It becomes final when the merchant claims it, usually within a few days; hotels and car rental firms can take longer.\n\n"
"If the merchant never claims it, the reserved amount is released back to your balance automatically, usually within 7 days. A pending payment can't be cancelled by us; if the amount is wrong, contact the merchant."),
"lost_or_stolen_phone": ("My phone was lost or stolen",
"If you lose your phone, your account is protected by your passcode, but act fast: log in from another device or contact us through the website and we will block app access, and freeze your cards so nobody can use them.\n\n"
"Change your email password too, and ask your mobile operator to block your SIM. When you have a new phone, install the app and log in with your phone number; we may ask for a selfie to confirm it's you before you can use your account again."),
"request_refund": ("How do I get a refund for a purchase?",
"Refunds have to be requested from the merchant you paid: contact the shop or website, explain the problem and ask them to refund the payment to your card. Once they process it, the money comes back to the card you used.\n\n"
"If the merchant refuses, doesn't reply or the goods never arrived, you can raise a dispute with us: tap the payment in the app and choose Report an issue. We will ask the merchant's bank for a chargeback."),
"declined_transfer": ("My transfer was declined",
"A transfer can be declined if your balance is too low, the recipient's details are wrong, you have reached your transfer limit, or our security checks need more information about the payment.\n\n"
"The app shows the reason for the decline on the transfer. If we need to verify the transfer or your account, follow the instructions in the app. The money from a declined transfer is never taken, or is returned to your balance straight away."),
"Refund_not_showing_up": ("My refund isn't showing in my account",
"When a merchant refunds you, it can take up to 5 working days, sometimes longer, for the money to reach your account, because it has to pass from the merchant's bank to us.\n\n"
"Ask the merchant for the date they issued the refund and a reference. If more than 15 days have passed and the refund still hasn't appeared, send us the merchant's confirmation in the chat and we will look into it."),
"declined_card_payment": ("My card payment was declined",
"Card payments are declined if your balance is too low, the card is frozen or not yet activated, the payment type is switched off in your security settings, or the merchant's terminal is offline.\n\n"
"Online payments can fail if the billing address or 3D Secure check doesn't match. The app sends a notification with the reason when a payment is declined. Fix the cause and try again, or use a virtual card or Apple Pay or Google Pay."),
"pending_transfer": ("My transfer is still pending",
"Most transfers are sent within minutes, but some need extra checks or are waiting for the banking network, so they show as pending for a while. Transfers made at the weekend or on a bank holiday are processed on the next working day.\n\n"
"International transfers can stay pending for up to 2 working days before they are sent. If we need more information, we'll ask you in the app. You can cancel a pending transfer if you no longer want to send it."),
"terminate_account": ("How do I close my account?",
"You can close your account at any time in the app: Profile > Account > Close account. Before you do, move any remaining money out, cancel your direct debits and subscriptions and wait for pending payments to complete.\n\n"
"If you're on a paid plan, switch to the free plan first. Once the account is closed, your cards stop working, but you can still ask us for statements of past transactions. We keep some records for the time required by law."),
"card_swallowed": ("The cash machine kept my card",
"If an ATM swallowed or kept your card, freeze it in the app right away so no one can use it. Cards retained by machines are usually destroyed by the ATM operator for security, so it's rarely possible to get the card back.\n\n"
"Order a replacement from Cards > Replace card. If the machine also took money from your account without giving you cash, tell us in the chat and we will claim it back."),
"transaction_charged_twice": ("I was charged twice for the same payment",
"If a payment appears twice, one of them is often only a pending authorisation that will drop off automatically within a few days once the merchant completes the payment.\n\n"
"If both payments are completed, contact the merchant first, as they can refund the duplicate directly. If they don't, tap the payment in the app and choose Report an issue > Charged twice, and we will dispute the second payment for you."),
"verify_source_of_funds": ("Why do you ask where my money comes from?",
"Sometimes we have to ask you to show the source of funds, meaning where the money in your account comes from, for example salary, savings, the sale of a property or an inheritance. This is a legal requirement to prevent money laundering.\n\n"
"Upload a document that shows it, such as a payslip, a bank statement or a sale contract, in the app when asked. Until we've checked it, some features may be limited."),
"transfer_timing": ("How long does a transfer take?",
"Transfers between Larkspur accounts are instant. Transfers to UK bank accounts usually arrive within a few minutes through Faster Payments, and SEPA transfers in euros within one working day.\n\n"
"International transfers in other currencies take 1 to 5 working days depending on the country and the banks in between. Money coming in follows the same timings. Transfers made after the cut-off time, at weekends or on public holidays may take one more working day."),
"reverted_card_payment?": ("My card payment was reverted",
"A card payment is reverted when the merchant cancels it before it's completed, for example if the order failed, the item was out of stock or the payment was made twice. The reserved amount goes back to your balance.\n\n"
"The money normally appears in your balance straight away, but occasionally takes a few days to show. If you still want the item, ask the merchant to try the payment again."),
"change_pin": ("How can I change my PIN?",
"You can change your card PIN at any cash machine that has a PIN services option: insert your card, enter your current PIN and choose a new one. Your new PIN works straight away.\n\n"
"Some countries' ATMs don't offer PIN change, so try a machine in the UK. You can always see your current PIN in the app under Cards > Show PIN. Avoid easy numbers such as your birthday or 1234."),
"beneficiary_not_allowed": ("I can't add or pay a beneficiary",
"Sometimes you can't send money to a beneficiary (the payee). This happens when the account details are invalid, the receiving bank doesn't accept the transfer type, the country or currency isn't supported, or our security systems have restricted payments to that account.\n\n"
"Check the IBAN or sort code and account number. If the beneficiary is still not allowed, contact us in the chat and we'll explain what we can."),
"transfer_fee_charged": ("Why was I charged a fee for a transfer?",
"Transfers to UK accounts in pounds and SEPA transfers in euros are free. A fee applies to international transfers in other currencies, to SWIFT transfers and to urgent transfers, and is shown before you confirm.\n\n"
"The receiving bank or intermediary banks may deduct their own charges from the amount, which we don't control. If you think we charged you a transfer fee by mistake, contact us."),
"receiving_money": ("How do I receive money, like my salary?",
"You can receive money from anyone using your account details: find your sort code, account number and IBAN in the app under Account > Details. Share them with your employer to have your salary paid in.\n\n"
"Money in other currencies can be received too and goes into your balance in that currency, or is converted if you don't hold it. Incoming transfers from UK banks usually arrive within minutes."),
"failed_transfer": ("My transfer failed",
"A transfer fails if the recipient's bank rejects it, for example when the account number is wrong, the account is closed, or the name doesn't match. The money is returned to your balance, usually within a few working days.\n\n"
"Check the recipient's details and try again. If the money from a failed transfer hasn't come back after 5 working days, contact us in the chat with the transfer details."),
"transfer_into_account": ("How do I add money by bank transfer?",
"To move money from another bank account into your Larkspur account, send a bank transfer to your own account details: you'll find the sort code, account number and IBAN in the app under Add money > Bank transfer.\n\n"
"Use your name as the payee. Transfers from UK banks normally arrive within minutes, and there is no fee from us. You can also set up a standing order from your other bank to top up regularly."),
"verify_top_up": ("Verifying a card used for top-up",
"When you add a new card for top-ups we may need to confirm it belongs to you. We make a small temporary charge to the card with a code in the payment description.\n\n"
"Find that code in your card's online banking or statement, then enter it in the app under Account > Top-up cards > Verify. Once the card is verified, the small charge is refunded and you can top up normally."),
"getting_spare_card": ("Can I get an additional card?",
"Yes, you can have several cards on your account, for example a spare card for travel or a card for a family member. Order extra cards in the app under Cards > Order another card; each extra physical card has a delivery fee on the free plan.\n\n"
"Every card has its own PIN and can be frozen separately. For children, a Junior account with its own card is the better choice."),
"top_up_by_cash_or_cheque": ("Can I top up with cash or a cheque?",
"We don't have branches, but you can pay cash into your account at partner post offices and shops: create a deposit barcode in the app under Add money > Cash and show it at the counter. A small fee may apply.\n\n"
"We currently can't accept cheques. To pay in a cheque, deposit it in an account at another bank and then send the money to us by bank transfer."),
"order_physical_card": ("How do I order a physical card?",
"To order a physical card, go to Cards > Order physical card, check your delivery address and choose standard or express delivery. The first card is free on all plans; only express delivery is charged.\n\n"
"We can deliver to most addresses in the countries we support. Once it arrives, activate it in the app. Until then, you can use a virtual card online and with Apple Pay or Google Pay."),
"virtual_card_not_working": ("My virtual card isn't working",
"If a payment with your virtual card fails, check that the card isn't frozen, that online payments are enabled in its security settings and that you entered the card number, expiry date and security code exactly as shown in the app.\n\n"
"Virtual cards can't be used at cash machines or where the physical card must be shown, such as some hotels and car rental desks. A disposable virtual card works only once. If it still fails, create a new virtual card."),
"wrong_exchange_rate_for_cash_withdrawal": ("Wrong exchange rate on a cash withdrawal abroad",
"If you took out foreign cash and got a worse rate than expected, the ATM probably offered to convert the amount into pounds for you. If you accepted, the machine's operator set its own rate and charged you for it, and we can't change it.\n\n"
"Always choose to be charged in the local currency; we then convert at our own rate. A weekend mark-up may also apply. If the rate we applied still looks wrong, send us the details."),
"get_disposable_virtual_card": ("How do I get a disposable virtual card?",
"Disposable virtual cards give extra safety when you shop on websites you don't know well: the card number is destroyed after one payment. Go to Cards > Add card > Disposable virtual card to create one.\n\n"
"They are available on paid plans and the number you can create depends on your plan. After a payment, a new disposable card appears automatically."),
"top_up_failed": ("My top-up failed",
"A top-up can fail when the card is declined by its bank, the details are entered incorrectly, the card isn't in your name, the card type isn't supported, or you reached your top-up limit.\n\n"
"Check the card details and try again, or contact your bank to ask why they declined it. If money left your bank account but didn't reach your balance, it will be returned to your card automatically within a few days. You can also top up by bank transfer."),
"balance_not_updated_after_bank_transfer": ("My balance hasn't updated after a bank transfer",
"If you sent money into your account by bank transfer and it hasn't appeared, check that you used the correct account details and your own name as the reference. UK transfers usually arrive within two hours, SEPA transfers within a working day, and international transfers up to 5 working days.\n\n"
"If it still hasn't arrived, ask your bank for proof of payment and send it to us in the chat so we can locate the money."),
"cash_withdrawal_not_recognised": ("I don't recognise a cash withdrawal",
"If you see a cash machine withdrawal you didn't make, someone may have your card and PIN. Freeze your card in the app immediately.\n\n"
"Check with family members who might have used it. If you still don't recognise the withdrawal, tap it in the app and choose I don't recognise this. We will block the card, send you a new one and investigate the withdrawal with the ATM operator."),
"exchange_charge": ("Are there fees for exchanging currency?",
"Exchanging currency in the app is free up to a monthly limit that depends on your plan; above it a small percentage fee applies. At weekends a mark-up is added because markets are closed.\n\n"
"Some less common currencies carry an extra charge. The app always shows the exact fee and the rate before you confirm the exchange, and the fee appears as a separate line on the exchange in your transactions."),
"top_up_by_card_charge": ("Is there a fee for topping up with a card?",
"Topping up with a debit card issued in the UK or the European Economic Area is free. Top-ups with cards issued in other countries, with business cards or with credit cards may have a small percentage fee, shown before you confirm.\n\n"
"Your card issuer may also charge you, for example treating a credit card top-up as a cash advance. To avoid fees, top up by bank transfer."),
"activate_my_card": ("How do I activate my card?",
"When your physical card arrives, open the app, go to Cards and tap Activate card. Scan the QR code in the letter or enter the last four digits of the card number. Your card works right after activation.\n\n"
"For your first payment use chip and PIN rather than contactless. You can find the PIN in the app. If the activation fails, check you're activating the card that came in the post, not an older one."),
"cash_withdrawal_charge": ("Is there a fee for cash withdrawals?",
"Cash withdrawals from ATMs are free up to a monthly allowance that depends on your plan, for example 200 GBP a month on the free plan. Above it we charge a small percentage of the amount.\n\n"
"The machine's operator may add its own fee, especially abroad. You can see how much of your free allowance is left in the app under Account > Plan."),
"card_about_to_expire": ("My card is about to expire",
"We automatically send you a new card about a month before the expiry date printed on your current card, to the address in the app. Make sure that address is up to date.\n\n"
"When the new card arrives, activate it in the app; the old one keeps working until the end of the month it expires. Remember to update the card details on subscriptions and saved shops. If no new card arrives, you can order a replacement in the app for free."),
"apple_pay_or_google_pay": ("Using Apple Pay or Google Pay",
"You can add your physical or virtual card to Apple Pay or Google Pay in a couple of taps: open Cards, select the card and tap Add to Apple Wallet or Add to Google Pay.\n\n"
"Then pay with your phone or watch wherever contactless is accepted. Payments are protected by your device's fingerprint, face or passcode. If it doesn't work, check your phone supports it and your country is covered."),
"verify_my_identity": ("How do I verify my identity?",
"To verify your identity, open the app and tap Verify identity. Take a photo of an official ID, such as a passport, driving licence or national identity card, then record a short selfie video so we can match it to the photo.\n\n"
"Most checks are done within minutes, some take up to a day. We'll notify you when your identity has been confirmed. If we need more documents, such as proof of address, we'll ask in the app."),
"country_support": ("Which countries do you support?",
"You can open an account if you live in the UK, a country of the European Economic Area, or Switzerland, with an address there. We are working on new countries, including the US.\n\n"
"Your card can be used for payments and cash in almost every country in the world. Transfers can be sent to over 100 countries. The app lists the countries where you can open an account."),
}


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def main() -> None:
    categories = json.loads(Path("/work/shared/data/banking77/categories.json").read_text())
    missing = sorted(set(categories) - set(ARTICLES))
    extra = sorted(set(ARTICLES) - set(categories))
    assert not missing and not extra, (missing, extra)
    out = []
    for intent in categories:
        title, body = ARTICLES[intent]
        words = len(body.split())
        assert 60 <= words <= 150, (intent, words)
        slug = slugify(title)
        out.append({"slug": slug, "title": title, "body": body, "url": BASE + slug, "intents": [intent]})
    assert len({a["slug"] for a in out}) == len(out)
    path = Path(__file__).resolve().parent / "kb" / "articles.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} articles to {path}")


if __name__ == "__main__":
    main()
