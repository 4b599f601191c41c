CREATE TABLE t717 (id bigint PRIMARY KEY, name text NOT NULL);
