CREATE TABLE t266 (id bigint PRIMARY KEY, name text NOT NULL);
