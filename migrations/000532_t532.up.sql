CREATE TABLE t532 (id bigint PRIMARY KEY, name text NOT NULL);
