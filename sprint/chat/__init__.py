"""Group robots beside mail: WeCom (企业微信) and DingTalk (钉钉) group chats."""
