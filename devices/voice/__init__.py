"""Voice calling (语音叫号): calls rendered to Mandarin WAV offline, by clip library or espeak-ng pinyin."""
