CREATE TABLE t371 (id bigint PRIMARY KEY, name text NOT NULL);
