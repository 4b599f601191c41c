CREATE TABLE t462 (id bigint PRIMARY KEY, name text NOT NULL);
