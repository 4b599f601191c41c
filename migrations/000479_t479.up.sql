CREATE TABLE t479 (id bigint PRIMARY KEY, name text NOT NULL);
