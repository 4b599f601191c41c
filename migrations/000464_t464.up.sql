CREATE TABLE t464 (id bigint PRIMARY KEY, name text NOT NULL);
