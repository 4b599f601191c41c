CREATE TABLE t395 (id bigint PRIMARY KEY, name text NOT NULL);
